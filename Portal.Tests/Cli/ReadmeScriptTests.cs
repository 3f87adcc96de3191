using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Sandboxes;
using Portal.Tests.Support;

namespace Portal.Tests.Cli;

/// <summary>
/// The README's shell script, run as a user would with only a token and the <c>portal</c> command: rpi-02 is a bash
/// console on a socat pty with command power, a real sshd behind the portal's tunnel, and a real sandbox.
/// </summary>
public sealed class ReadmeScriptTests : IAsyncLifetime
{
    private const int Rpi02 = 3;
    private readonly SshdFixture _sshd = new();
    private readonly BashBoard _board = new();
    private readonly PortalFactory _portal = new PortalFactory().WithSetting("Lab:Containers:StopGrace", "00:00:00");
    private string _url = "";

    public async Task InitializeAsync()
    {
        await _sshd.InitializeAsync();
        if (!SshdFixture.Available)
        {
            return;
        }

        await _board.StartAsync();
        _sshd.Configure(_board.Configure(_portal, Rpi02));
        _url = _portal.StartOnLoopback();
        Assert.Null(await _portal.Services.GetRequiredService<SandboxImageService>()
            .AssignAsync(await _portal.AdminAsync(), "rpi4", DockerEngine.TestImage, "/bin/sh", isDefault: true, CancellationToken.None));
    }

    public async Task DisposeAsync()
    {
        // The board and sshd stop even when the containers' cleanup fails (no Docker engine answering, say).
        try
        {
            await _portal.DisposeAsync();
            await DockerEngine.RemoveContainersOfAsync(_portal.ContainerOwner);
        }
        finally
        {
            await _board.DisposeAsync();
            await _sshd.DisposeAsync();
        }
    }

    [SshdAndDockerFact]
    public async Task TheReadmeScriptReservesBootsSshsCopiesIntoTheSandboxAndReleases()
    {
        var script = Path.Combine(RepositoryRoot, "examples", "try-board.sh");
        Assert.Contains(await File.ReadAllTextAsync(script), await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, "README.md")));
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("scripter@lab.test"));
        var sshConfig = Path.Combine(cli.Directory, "ssh_config");
        await File.WriteAllTextAsync(sshConfig, $"""
            Host rpi-*
                User {SshdFixture.User}
                ProxyCommand portal tunnel %h {_sshd.Port}
                IdentityFile {_sshd.KeyFile}
                StrictHostKeyChecking no
                UserKnownHostsFile /dev/null
                LogLevel ERROR

            """);
        cli.ExtraEnvironment["SSH_CONFIG"] = sshConfig;
        var name = $"image-{Guid.NewGuid():N}.bin";
        var file = Path.Combine(cli.Directory, name);
        await File.WriteAllBytesAsync(file, RandomNumberGenerator.GetBytes(1024 * 1024));
        var checksum = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file)));

        CliResult run;
        try
        {
            run = await cli.RunProcessAsync("sh", [script, "rpi-02", file], limit: TimeSpan.FromMinutes(5));
        }
        finally
        {
            File.Delete(Path.Combine(SshdFixture.Home, name));
        }

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"^Reserved rpi-02 until ", run.Stdout);
        Assert.Contains("Linux", run.Stdout);
        Assert.Contains($"{checksum}  {name}\n", run.Stdout);
        Assert.Matches(@"Sandbox \S+-sandbox-\d+ of rpi-02 is READY", run.Stdout);
        Assert.Contains($"{checksum}  /tmp/{name}", run.Stdout);
        Assert.EndsWith("Released rpi-02 (reservation 1).\n", run.Stdout);
    }

    private static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (!File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
            {
                directory = directory.Parent ?? throw new InvalidOperationException("Portal.sln not found above the test's folder.");
            }

            return directory.FullName;
        }
    }
}
