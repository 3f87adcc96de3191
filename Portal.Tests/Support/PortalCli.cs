using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Portal.Tests.Support;

/// <summary>What one run of the <c>portal</c> command came to.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// The <c>portal</c> command as a user runs it: a process, configured by PORTAL_URL and PORTAL_TOKEN, with its own
/// config directory, and a <c>portal</c> script on PATH for ssh's ProxyCommand and shell scripts.
/// </summary>
public sealed class PortalCli : IDisposable
{
    public PortalCli(string url, string? token)
    {
        Url = url;
        Token = token;
        Directory = System.IO.Directory.CreateTempSubdirectory("portal-cli-").FullName;
        File.WriteAllText(Executable, $"#!/bin/sh\nexec dotnet \"{Path.Combine(AppContext.BaseDirectory, "Portal.Cli.dll")}\" \"$@\"\n");
        File.SetUnixFileMode(Executable, (UnixFileMode)0b111_101_101);
    }

    public string Url { get; }

    public string? Token { get; }

    /// <summary>Holds the <c>portal</c> script and serves as the user's config directory.</summary>
    public string Directory { get; }

    public string Executable => Path.Combine(Directory, "portal");

    /// <summary>More variables for the processes started (e.g. SSH_CONFIG for a script).</summary>
    public Dictionary<string, string?> ExtraEnvironment { get; } = [];

    /// <summary>The environment a script or ssh runs in: the portal's address, the token, and <c>portal</c> on PATH.</summary>
    public Dictionary<string, string?> Environment => new(ExtraEnvironment)
    {
        ["PORTAL_URL"] = Url,
        ["PORTAL_TOKEN"] = Token,
        ["XDG_CONFIG_HOME"] = Path.Combine(Directory, "config"),
        ["PATH"] = $"{Directory}:{System.Environment.GetEnvironmentVariable("PATH")}",
        ["DOTNET_NOLOGO"] = "1",
    };

    /// <summary>Runs <c>portal ARGS</c> with the given stdin; the bound only keeps a broken test from hanging.</summary>
    public Task<CliResult> RunAsync(params string[] arguments) => RunAsync(arguments, stdin: "");

    public Task<CliResult> RunAsync(string[] arguments, string stdin, TimeSpan? limit = null) =>
        RunProcessAsync(Executable, arguments, stdin, limit);

    /// <summary>Any program (ssh, scp, sh) in the CLI's environment.</summary>
    public async Task<CliResult> RunProcessAsync(string file, string[] arguments, string stdin = "", TimeSpan? limit = null)
    {
        using var process = Start(file, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().WaitAsync(limit ?? TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish: {await stderr}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running command (a listener); the caller reads its streams and kills it.</summary>
    public Process Start(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        return Process.Start(info)!;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
