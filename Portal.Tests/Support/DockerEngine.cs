using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Hardware.Containers;

namespace Portal.Tests.Support;

/// <summary>A test against the real Docker engine that ./test.sh starts, with the image it imports (no registry here).</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(File.Exists(DockerEngine.Socket), $"a Docker engine at {DockerEngine.Socket}");
}

/// <summary>The local engine, as tests use it: a provider, a per-test owner label, and cleanup of what a test left.</summary>
public static class DockerEngine
{
    public const string Socket = "/var/run/docker.sock";

    public const string Endpoint = "unix://" + Socket;

    /// <summary>Made by ./test.sh: a busybox rootfs piped into <c>docker import</c>.</summary>
    public const string TestImage = "portal-sandbox:test";

    public static DockerContainerProvider Provider(string endpoint = Endpoint) =>
        new(new DockerEngineSettings(endpoint), NullLogger<DockerContainerProvider>.Instance);

    /// <summary>A label value no other test or portal uses, so reconcilers of parallel tests leave each other alone.</summary>
    public static string NewOwner() => $"portal-test-{Guid.NewGuid():N}";

    /// <summary>Runs the docker CLI, as an operator would to check what the engine really did.</summary>
    public static async Task<string> CliAsync(params string[] arguments)
    {
        using var docker = Process.Start(new ProcessStartInfo("docker", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = docker.StandardOutput.ReadToEndAsync();
        var error = docker.StandardError.ReadToEndAsync();
        await docker.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return docker.ExitCode == 0 ? (await output).Trim() : throw new InvalidOperationException($"docker {string.Join(' ', arguments)}: {await error}");
    }

    /// <summary>The names of the containers, running or not, that carry this owner's label.</summary>
    public static async Task<IReadOnlyList<string>> ContainersOfAsync(string owner)
    {
        var names = await CliAsync("ps", "-a", "--filter", $"label=portal.owner={owner}", "--format", "{{.Names}}");
        return names.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static async Task RemoveContainersOfAsync(string owner)
    {
        foreach (var name in await ContainersOfAsync(owner))
        {
            try
            {
                await CliAsync("rm", "-f", name);
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("already in progress") || ex.Message.Contains("No such container"))
            {
                // The portal's own teardown is removing it at the same moment.
            }
        }
    }
}

/// <summary>A browser test of sandboxes: Debian's Chromium and the real Docker engine.</summary>
public sealed class DockerBrowserFactAttribute : FactAttribute
{
    public DockerBrowserFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(
        File.Exists(DockerEngine.Socket) && File.Exists(BrowserFixture.ChromiumPath), $"a Docker engine at {DockerEngine.Socket} and {BrowserFixture.ChromiumPath}");
}
