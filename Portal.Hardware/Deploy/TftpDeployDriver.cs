namespace Portal.Hardware.Deploy;

/// <summary>
/// Deploy by TFTP: copies the files into the board's folder under a TFTP server's root (<c>Root</c>, required;
/// <c>Folder</c>, default the board's name), each named after its slot (<c>Slots</c>, default kernel, initrd, dtb),
/// where the board's boot loader fetches them (<c>tftp ${loadaddr} BOARD/kernel</c>).
/// </summary>
public sealed class TftpDeployDriver(BoardDriverContext context) : IDeployDriver, IDriver
{
    public static string Name => "tftp";

    public static IReadOnlyList<string> RequiredSettings => ["Root"];

    public static IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec)
    {
        if (spec.Get("Folder") is { } folder && (folder.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(folder)))
        {
            yield return new("Folder", $"'{folder}' must be a folder inside Root");
        }

        foreach (var error in DeploySlots.Validate(spec))
        {
            yield return error;
        }
    }

    public static string? CheckHost(DriverSpec spec, IServiceProvider services) =>
        spec.Get("Root") is { } root && !Directory.Exists(root) ? $"TFTP root {root} not found" : null;

    public IReadOnlyList<string> Slots => DeploySlots.Of(context.Spec, ["kernel", "initrd", "dtb"]);

    public async Task DeployAsync(DeployRequest request, Action<string> output, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(context.Spec.Require("Root"), context.Spec.Get("Folder") ?? context.BoardName);
        try
        {
            Directory.CreateDirectory(folder);
            foreach (var file in request.Files)
            {
                // Written beside, then renamed: a boot loader fetching meanwhile gets the old file or the new one, never half.
                var target = Path.Combine(folder, file.Slot);
                var partial = target + ".partial";
                await using (var source = File.OpenRead(file.Path))
                await using (var destination = File.Create(partial))
                {
                    await source.CopyToAsync(destination, cancellationToken);
                }

                File.Move(partial, target, overwrite: true);
                output($"{file.Slot}: {file.Name} copied to {target}");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DeployDriverException($"Copying to TFTP folder {folder} failed: {ex.Message}", ex);
        }
    }
}

/// <summary>The <c>Slots</c> setting of deploy drivers whose slots are site-defined: names separated by commas.</summary>
internal static class DeploySlots
{
    public static IReadOnlyList<string> Of(DriverSpec spec, IReadOnlyList<string> fallback) =>
        spec.Get("Slots")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? fallback;

    public static IEnumerable<DriverSettingError> Validate(DriverSpec spec)
    {
        if (spec.Get("Slots") is { } slots && Of(spec, []).Any(s => !s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            yield return new("Slots", $"'{slots}' must be names of letters, digits, '-' and '_', separated by commas");
        }
    }
}
