using System.Diagnostics;
using Portal.Tests.Support;

namespace Portal.Tests.Cli;

/// <summary>
/// <c>portal console</c> against a board whose serial console is a real bash on a socat pty, powered by the
/// <c>command</c> driver: a power cycle "boots" the board by printing a login prompt on bash's terminal.
/// </summary>
public sealed class CliConsoleTests : IAsyncLifetime
{
    private readonly PortalFactory _portal = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-cli-console-").FullName;
    private Process? _board;
    private string _url = "";

    private string Device => Path.Combine(_directory, "ttyBOARD");

    public async Task InitializeAsync()
    {
        if (!File.Exists(PtyPair.Socat) && !IntegrationRequirement.Required)
        {
            return;
        }

        var script = Path.Combine(_directory, "board.sh");
        var tty = Path.Combine(_directory, "bash-tty");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\ntty > {tty}\nexport PS1='board$ '\nexec bash --norc --noprofile -i\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        _board = Process.Start(new ProcessStartInfo(PtyPair.Socat, [$"pty,raw,echo=0,link={Device}", $"EXEC:{script},pty,setsid,ctty,stderr"]) { RedirectStandardError = true })!;
        await PtyPair.WaitUntilAsync(() => File.Exists(Device) && File.Exists(tty) && File.ReadAllText(tty).Length > 0, "the board's bash");

        _portal
            .WithSetting("Lab:Boards:0:Console:Driver", "serial")
            .WithSetting("Lab:Boards:0:Console:Device", Device)
            .WithSetting("Lab:Boards:0:Power:Driver", "command")
            .WithSetting("Lab:Boards:0:Power:On", "true")
            .WithSetting("Lab:Boards:0:Power:Off", "true")
            .WithSetting("Lab:Boards:0:Power:Cycle", $"sleep 0.5; printf '\\nU-Boot 2024.01\\nboard login: ' > \"$(cat {tty})\"");
        _url = _portal.StartOnLoopback();
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        if (_board is { HasExited: false })
        {
            _board.Kill(entireProcessTree: true);
            await _board.WaitForExitAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [SocatFact]
    public async Task PowerCycleThenExpectSeesTheLoginPromptAndTheHoldersCommandsRunInBash()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("bash-user@lab.test"));
        using var other = new PortalCli(_url, await _portal.CreateTokenAsync("bash-onlooker@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "pine-01")).ExitCode);

        var booted = await cli.RunAsync(["console", "pine-01", "--power", "cycle", "--expect", "login: $", "--timeout", "60"], "");
        var silent = await cli.RunAsync(["console", "pine-01", "--expect", "kernel panic", "--timeout", "2", "--json"], "");
        var refused = await other.RunAsync(["console", "pine-01"], "touch " + Path.Combine(_directory, "stranger-was-here") + "\r");
        var typed = await cli.RunAsync(["console", "pine-01", "--expect", "answer=42", "--timeout", "60"], "echo answer=$((6*7))\r");

        Assert.True(booted.ExitCode == 0, booted.ToString());
        Assert.EndsWith("U-Boot 2024.01\r\nboard login: ", booted.Stdout);
        Assert.Equal(5, silent.ExitCode);
        Assert.Equal("No output of pine-01 matched 'kernel panic' within 2 s.", silent.Json.GetProperty("error").GetString());
        Assert.Equal(3, refused.ExitCode);
        Assert.Equal("portal: You may not type into pine-01: only the holder types.\n", refused.Stderr);
        Assert.True(typed.ExitCode == 0, typed.ToString());
        Assert.False(File.Exists(Path.Combine(_directory, "stranger-was-here")));
    }

    [SocatFact]
    public async Task ListenServesTheConsoleToSocatAsALocalTcpPort()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("listener@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "pine-01")).ExitCode);
        var port = LoopbackPorts.FreeTcp();
        using var listening = cli.Start(cli.Executable, ["console", "pine-01", "--listen", $"127.0.0.1:{port}"]);
        try
        {
            Assert.StartsWith("Serving the console of pine-01 on 127.0.0.1:", await listening.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));

            var session = await cli.RunProcessAsync("socat", ["-t", "3", "-", $"TCP:127.0.0.1:{port}"], "echo listened-$((2+3))\n");

            Assert.True(session.ExitCode == 0, session.ToString());
            Assert.Contains("listened-5", session.Stdout);
        }
        finally
        {
            listening.Kill(entireProcessTree: true);
            await listening.WaitForExitAsync();
        }
    }
}
