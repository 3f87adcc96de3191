using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Portal.Audit;
using Portal.Consoles;
using Portal.Tests.Support;

namespace Portal.Tests.Cli;

/// <summary>
/// The real OpenSSH client through <c>ProxyCommand='portal tunnel %h PORT'</c>, across the portal's one HTTP port, into
/// a real sshd standing for the board rpi-02.
/// </summary>
public sealed class CliTunnelTests : IAsyncLifetime
{
    private readonly SshdFixture _sshd = new();
    private readonly PortalFactory _portal = new();
    private string _url = "";

    /// <summary>
    /// The portal audits a tunnel once its own side has closed, which may be a moment after the client has exited:
    /// waits for the entry (10 s at most) instead of reading the log once.
    /// </summary>
    private async Task TunnelAuditedAsync(Func<AuditView, bool> entry)
    {
        var audit = _portal.Services.GetRequiredService<AuditLog>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        IReadOnlyList<AuditView> entries;
        while (!(entries = await audit.ListAsync("rpi-02", 50, CancellationToken.None)).Any(a => a.Action == TunnelService.AuditAction && entry(a)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains(entries, a => a.Action == TunnelService.AuditAction && entry(a));
    }

    public async Task InitializeAsync()
    {
        await _sshd.InitializeAsync();
        if (SshdFixture.Available)
        {
            _sshd.Configure(_portal);
            _url = _portal.StartOnLoopback();
        }
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _sshd.DisposeAsync();
    }

    [SshdFact]
    public async Task SshRunsACommandAndScpCopiesTwentyMegabytesIntactThroughTheTunnel()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("ssh-user@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "rpi-02")).ExitCode);
        var local = Path.Combine(cli.Directory, "random.bin");
        await File.WriteAllBytesAsync(local, RandomNumberGenerator.GetBytes(20 * 1024 * 1024));
        var remoteName = $"tunnel-{Guid.NewGuid():N}.bin";

        var command = await cli.RunProcessAsync("ssh", [.. SshOptions(_sshd.Port), $"{SshdFixture.User}@rpi-02", "echo hello from $(whoami)"]);
        var copy = await cli.RunProcessAsync("scp", [.. SshOptions(_sshd.Port), local, $"{SshdFixture.User}@rpi-02:{remoteName}"]);

        try
        {
            Assert.True(command.ExitCode == 0, command.ToString());
            Assert.Equal($"hello from {SshdFixture.User}\n", command.Stdout);
            Assert.True(copy.ExitCode == 0, copy.ToString());
            Assert.Equal(Sha256(local), Sha256(Path.Combine(SshdFixture.Home, remoteName)));
        }
        finally
        {
            File.Delete(Path.Combine(SshdFixture.Home, remoteName));
        }

        await TunnelAuditedAsync(a => a.Actor == "ssh-user@lab.test" && long.Parse(a.Details!.Split(": ")[1].Split(' ')[0]) > 20 * 1024 * 1024);
    }

    [SshdFact]
    public async Task TheTunnelIsRefusedToANonHolderAndForAPortTheBoardDoesNotOffer()
    {
        using var holder = new PortalCli(_url, await _portal.CreateTokenAsync("rpi-holder@lab.test"));
        using var other = new PortalCli(_url, await _portal.CreateTokenAsync("intruder@lab.test"));
        Assert.Equal(0, (await holder.RunAsync("reserve", "rpi-02")).ExitCode);

        var ssh = await other.RunProcessAsync("ssh", [.. SshOptions(_sshd.Port), $"{SshdFixture.User}@rpi-02", "true"]);
        var tunnel = await other.RunAsync("tunnel", "rpi-02", $"{_sshd.Port}", "--json");
        var port = await holder.RunAsync("tunnel", "rpi-02", "8080");

        Assert.NotEqual(0, ssh.ExitCode);
        Assert.Matches(@"portal: rpi-02 is held by rpi-holder@lab.test until \S+ \S+ UTC\.", ssh.Stderr);
        Assert.Equal(3, tunnel.ExitCode);
        Assert.StartsWith("rpi-02 is held by rpi-holder@lab.test", tunnel.Json.GetProperty("error").GetString());
        Assert.Equal(3, port.ExitCode);
        Assert.Equal($"portal: Board rpi-02 offers no tunnel to port 8080; it offers {_sshd.Port}.\n", port.Stderr);
    }

    [SshdFact]
    public async Task AnOpenSshSessionIsClosedWhenTheReservationEnds()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("leaver@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "rpi-02")).ExitCode);
        using var ssh = cli.Start("ssh", [.. SshOptions(_sshd.Port), $"{SshdFixture.User}@rpi-02", "echo started; sleep 120"]);
        var stderr = ssh.StandardError.ReadToEndAsync();
        Assert.Equal("started", await ssh.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal(0, (await cli.RunAsync("release", "rpi-02")).ExitCode);

        await ssh.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, ssh.ExitCode);
        Assert.Contains("portal: Tunnel closed: reservation of rpi-02 ended.", await stderr);
        await TunnelAuditedAsync(a => a.Details!.EndsWith("; tunnel closed: reservation of rpi-02 ended", StringComparison.Ordinal));
    }

    [SshdFact]
    public async Task AnAdminsOpenSshSessionIsClosedWhenTheyAreNoLongerAnAdmin()
    {
        // An admin needs no reservation for a tunnel; demoted, they are a user who does not hold the board.
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("ops@lab.test"));
        await _portal.SetAdminAsync("ops@lab.test", isAdmin: true);
        using var ssh = cli.Start("ssh", [.. SshOptions(_sshd.Port), $"{SshdFixture.User}@rpi-02", "echo started; sleep 120"]);
        var stderr = ssh.StandardError.ReadToEndAsync();
        Assert.Equal("started", await ssh.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));

        await _portal.SetAdminAsync("ops@lab.test", isAdmin: false);

        await ssh.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, ssh.ExitCode);
        Assert.Contains("portal: Tunnel closed: you are no longer an admin.", await stderr);
    }

    [SshdFact]
    public async Task ForwardServesTheBoardsPortLocallyToPlainSsh()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("forwarder@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "rpi-02")).ExitCode);
        var local = LoopbackPorts.FreeTcp();
        using var forward = cli.Start(cli.Executable, ["forward", "rpi-02", $"{_sshd.Port}", "--listen", $"127.0.0.1:{local}"]);
        try
        {
            Assert.Equal($"Forwarding 127.0.0.1:{local} to rpi-02 port {_sshd.Port}; Ctrl-C to stop.", await forward.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));

            string[] direct = ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-i", _sshd.KeyFile, "-p", $"{local}"];
            var first = await cli.RunProcessAsync("ssh", [.. direct, $"{SshdFixture.User}@127.0.0.1", "echo first"]);
            var second = await cli.RunProcessAsync("ssh", [.. direct, $"{SshdFixture.User}@127.0.0.1", "echo second"]);

            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Equal("first\n", first.Stdout);
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Equal("second\n", second.Stdout);
        }
        finally
        {
            forward.Kill(entireProcessTree: true);
        }
    }

    /// <summary>What a user's ~/.ssh/config block gives, on the command line: the portal as ProxyCommand, the sshd's client key.</summary>
    private string[] SshOptions(int port) =>
    [
        "-F", "/dev/null",
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null",
        "-o", "LogLevel=ERROR",
        "-o", $"ProxyCommand=portal tunnel %h {port}",
        "-i", _sshd.KeyFile,
    ];

    private static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(file));
    }
}
