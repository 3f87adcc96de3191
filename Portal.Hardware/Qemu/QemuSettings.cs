using System.Globalization;

namespace Portal.Hardware.Qemu;

/// <summary>
/// The <c>qemu</c> power driver's settings: <c>Binary</c> (<c>qemu-system-x86_64</c>), <c>Machine</c>, <c>Cpu</c>,
/// <c>MemoryMegabytes</c> (256), <c>Kernel</c>, <c>Initrd</c>, <c>Append</c>, <c>Drive</c>, <c>Accel</c>
/// (<c>tcg</c> or <c>kvm</c>), <c>SshPort</c>, <c>ExtraArgs</c>. Relative paths are taken from the portal's folder.
/// </summary>
public sealed record QemuSettings(
    string Binary,
    string? Machine,
    string? Cpu,
    int MemoryMegabytes,
    string? Kernel,
    string? Initrd,
    string? Append,
    string? Drive,
    string Accel,
    int? SshPort,
    IReadOnlyList<string> ExtraArgs)
{
    public const string DefaultBinary = "qemu-system-x86_64";

    public static QemuSettings From(DriverSpec spec, Func<string, string> resolvePath) => new(
        spec.Get("Binary") ?? DefaultBinary,
        spec.Get("Machine"),
        spec.Get("Cpu"),
        spec.GetInt("MemoryMegabytes", 256),
        spec.Get("Kernel") is { } kernel ? resolvePath(kernel) : null,
        spec.Get("Initrd") is { } initrd ? resolvePath(initrd) : null,
        spec.Get("Append"),
        spec.Get("Drive") is { } drive ? resolvePath(drive) : null,
        (spec.Get("Accel") ?? "tcg").ToLowerInvariant(),
        spec.Get("SshPort") is { } port ? int.Parse(port, CultureInfo.InvariantCulture) : null,
        spec.Get("ExtraArgs")?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? []);

    public static IEnumerable<DriverSettingError> Validate(DriverSpec spec)
    {
        if (spec.Get("MemoryMegabytes") is { } memory && (!int.TryParse(memory, NumberStyles.None, CultureInfo.InvariantCulture, out var mb) || mb < 16 || mb > 65536))
        {
            yield return new("MemoryMegabytes", $"'{memory}' is not a whole number from 16 to 65536");
        }

        if (spec.Get("Accel") is { } accel && !accel.Equals("tcg", StringComparison.OrdinalIgnoreCase) && !accel.Equals("kvm", StringComparison.OrdinalIgnoreCase))
        {
            yield return new("Accel", $"'{accel}' is not tcg or kvm");
        }

        if (spec.Get("SshPort") is { } ssh && (!int.TryParse(ssh, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535))
        {
            yield return new("SshPort", $"'{ssh}' is not a TCP port (1-65535)");
        }

        if (spec.Get("Binary") is { } binary && !Path.GetFileName(binary).StartsWith("qemu-system-", StringComparison.Ordinal))
        {
            yield return new("Binary", $"'{binary}' is not a qemu-system-* program");
        }

        if (spec.Get("Initrd") is not null && spec.Get("Kernel") is null)
        {
            yield return new("Initrd", "needs Kernel as well");
        }
    }

    /// <summary>Why this machine cannot start on this host, in one sentence, or null.</summary>
    public string? CheckHost()
    {
        if (FindProgram(Binary) is null)
        {
            return $"{Binary} not found: apt-get install {PackageOf(Binary)}";
        }

        foreach (var (what, path) in new[] { ("kernel", Kernel), ("initrd", Initrd), ("drive", Drive) })
        {
            if (path is not null && !File.Exists(path))
            {
                return $"{what} {path} not found";
            }
        }

        return Accel == "kvm" && KvmProblem() is { } problem ? problem : null;
    }

    /// <summary>The console device the guest's kernel writes to, for the default kernel command line.</summary>
    public string GuestConsole => Binary.EndsWith("aarch64", StringComparison.Ordinal) || Binary.EndsWith("-arm", StringComparison.Ordinal) ? "ttyAMA0" : "ttyS0";

    public static string? FindProgram(string program)
    {
        if (program.Contains('/'))
        {
            return File.Exists(program) ? program : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
    }

    private static string PackageOf(string binary) => Path.GetFileName(binary) switch
    {
        "qemu-system-x86_64" or "qemu-system-i386" => "qemu-system-x86",
        "qemu-system-aarch64" or "qemu-system-arm" => "qemu-system-arm",
        _ => "qemu-system",
    };

    // KVM is used only when asked; a /dev/kvm that cannot be opened (no module, no permission, a nested host without
    // virtualisation passed through) is named instead of letting QEMU fail or hang later.
    private static string? KvmProblem()
    {
        try
        {
            using var kvm = new FileStream("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"Accel kvm asked for, but /dev/kvm is not usable ({ex.Message}); use Accel tcg";
        }
    }
}
