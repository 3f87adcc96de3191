using Portal.Tests.Support;

namespace Portal.Tests.Cli;

/// <summary>
/// <c>portal artifact</c> and <c>portal deploy</c> against a real QEMU board: local files pushed and booted to the
/// marker their init prints, and the refusals a CI job branches on.
/// </summary>
public sealed class CliDeployTests
{
    [QemuFact]
    public async Task LocalFilesDeployedWithBootAndExpectPrintTheMarkerAndAreStoredOnce()
    {
        var image = await QemuImage.BuildAsync($"cli-deployed-{Guid.NewGuid():N}");
        await using var portal = await QemuPortal.ConfigureAsync(new PortalFactory());
        var url = portal.StartOnLoopback();
        using var cli = new PortalCli(url, await portal.CreateTokenAsync("cli-deployer@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "qemu-01")).ExitCode);

        var deploy = await cli.RunAsync(
            ["deploy", "qemu-01", $"kernel={image.Kernel}", $"initrd={image.Initrd}", "--append", "console=ttyS0", "--boot", "--expect", image.Marker, "--timeout", "120"],
            stdin: "", limit: TimeSpan.FromSeconds(180));
        var again = await cli.RunAsync("artifact", "push", image.Kernel, "--name", "vmlinuz-again", "--json");
        var list = await cli.RunAsync("artifact", "list");
        var missing = await cli.RunAsync("deploy", "qemu-01", "kernel=4242", "--json");
        var silent = await cli.RunAsync(
            ["deploy", "qemu-01", $"kernel={again.Json.GetProperty("digest").GetString()}", $"initrd={image.Initrd}", "--append", "console=ttyS0", "--boot", "--expect", "never-printed-by-this-init", "--timeout", "5"],
            stdin: "", limit: TimeSpan.FromSeconds(120));

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.Matches(@"^Deployed kernel=vmlinuz sha256:[0-9a-f]{64}, initrd=initrd\.img sha256:[0-9a-f]{64} to qemu-01 and booted it\.\n", deploy.Stdout);
        Assert.Contains($"console printed '{image.Marker}'", deploy.Stdout);
        Assert.Matches(@"Artifact \d+ vmlinuz: sha256:[0-9a-f]{64}, \d+ bytes\.", deploy.Stderr);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.True(again.Json.GetProperty("deduplicated").GetBoolean());
        Assert.Contains("vmlinuz-again", list.Stdout);
        Assert.Contains("initrd.img", list.Stdout);
        Assert.Equal(ExitCodesSeen.NotFound, missing.ExitCode);
        Assert.Equal("There is no artifact 4242.", missing.Json.GetProperty("error").GetString());
        Assert.True(silent.ExitCode == ExitCodesSeen.Timeout, silent.ToString());
        Assert.Contains("never-printed-by-this-init", silent.Stderr);
    }

    [Fact]
    public async Task ExpectWithoutBootIsAUsageErrorBeforeAnythingIsSent()
    {
        using var cli = new PortalCli("http://127.0.0.1:9/", "ptl_unused");

        var result = await cli.RunAsync("deploy", "qemu-01", "kernel=1", "--expect", "login:");

        Assert.Equal(ExitCodesSeen.Usage, result.ExitCode);
        Assert.Equal("portal: --expect waits for the console after a boot: add --boot.\n", result.Stderr);
    }

    /// <summary>The CLI's documented exit codes, as a script sees them.</summary>
    private static class ExitCodesSeen
    {
        public const int Usage = 2;
        public const int NotFound = 4;
        public const int Timeout = 5;
    }
}
