using System.Diagnostics;
using Portal.Hardware.Qemu;

namespace Portal.Tests.Support;

/// <summary>
/// A bootable kernel and busybox initramfs built by <c>lab/qemu-demo.sh</c> with a random marker printed by init,
/// once per test run and shared by every QEMU test (the kernel of the demo image is reused when it is there). The
/// images of a test process live in one folder, removed when the process has gone (about 18 MB each).
/// </summary>
public sealed class QemuImage
{
    private static readonly Lazy<Task<QemuImage>> Shared = new(() => BuildAsync($"portal-marker-{Guid.NewGuid():N}"));
    private static readonly Lazy<string> Images = new(() =>
    {
        var folder = System.IO.Directory.CreateTempSubdirectory("portal-qemu-images-").FullName;
        AfterThisProcess.Remove(folder);
        return folder;
    });

    private QemuImage(string directory, string marker)
    {
        Directory = directory;
        Marker = marker;
    }

    /// <summary>Whether this host can run the QEMU tests: QEMU, and what the image script needs.</summary>
    public static bool Available =>
        QemuSettings.FindProgram(QemuSettings.DefaultBinary) is not null && File.Exists("/bin/busybox") && QemuSettings.FindProgram("cpio") is not null;

    public string Directory { get; }

    public string Marker { get; }

    public string Kernel => Path.Combine(Directory, "vmlinuz");

    public string Initrd => Path.Combine(Directory, "initrd.img");

    public static Task<QemuImage> GetAsync() => Shared.Value;

    /// <summary>Builds another image into a fresh folder, with its own marker.</summary>
    public static async Task<QemuImage> BuildAsync(string marker)
    {
        var directory = System.IO.Directory.CreateDirectory(Path.Combine(Images.Value, Guid.NewGuid().ToString("N"))).FullName;
        var demo = Path.Combine(Repository.Root, "Portal", "data", "qemu-demo");
        if (File.Exists(Path.Combine(demo, "vmlinuz")) && System.IO.Directory.Exists(Path.Combine(demo, "modules")))
        {
            File.Copy(Path.Combine(demo, "vmlinuz"), Path.Combine(directory, "vmlinuz"));
            System.IO.Directory.CreateDirectory(Path.Combine(directory, "modules"));
            foreach (var module in System.IO.Directory.GetFiles(Path.Combine(demo, "modules")))
            {
                File.Copy(module, Path.Combine(directory, "modules", Path.GetFileName(module)));
            }
        }

        var start = new ProcessStartInfo(Path.Combine(Repository.Root, "lab", "qemu-demo.sh"), [directory, marker])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"lab/qemu-demo.sh failed: {await output}{await errors}");
        return new QemuImage(directory, marker);
    }
}

/// <summary>A test against a real QEMU under TCG booting the image of <see cref="QemuImage"/>.</summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public QemuFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(QemuImage.Available, QemuSettings.DefaultBinary);
}

/// <summary>A browser test of a QEMU board: needs QEMU and Debian's Chromium.</summary>
public sealed class QemuChromiumFactAttribute : FactAttribute
{
    public QemuChromiumFactAttribute() =>
        Skip = IntegrationRequirement.SkipReasonUnless(QemuImage.Available && File.Exists(BrowserFixture.ChromiumPath), $"{QemuSettings.DefaultBinary} or {BrowserFixture.ChromiumPath}");
}
