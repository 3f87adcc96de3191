using System.Text.Json;

namespace Portal.Cli;

/// <summary>Where the portal is and the token to use: PORTAL_URL and PORTAL_TOKEN, else what <c>portal login</c> stored.</summary>
public sealed record CliConfig(string? Url, string? Token)
{
    /// <summary>~/.config/portal/config.json (or under $XDG_CONFIG_HOME), readable only by its owner.</summary>
    public static string FilePath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "portal", "config.json");

    public static CliConfig Load()
    {
        var stored = File.Exists(FilePath) ? JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(FilePath), JsonSerializerOptions.Web) : null;
        return new CliConfig(
            Environment.GetEnvironmentVariable("PORTAL_URL") is { Length: > 0 } url ? url : stored?.Url,
            Environment.GetEnvironmentVariable("PORTAL_TOKEN") is { Length: > 0 } token ? token : stored?.Token);
    }

    /// <summary>Writes the file with mode 0600 from the start, so the token is never readable by others.</summary>
    public void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(FilePath, options))
        {
            JsonSerializer.Serialize(file, this, JsonSerializerOptions.Web);
        }

        if (!OperatingSystem.IsWindows())
        {
            // An existing file keeps its mode on create; make sure.
            File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
