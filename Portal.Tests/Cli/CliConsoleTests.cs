using Portal.Tests.Support;

namespace Portal.Tests.Cli;

/// <summary><c>portal console</c> against a board whose serial console is a real bash on a socat pty (<see cref="BashBoard"/>).</summary>
public sealed class CliConsoleTests : IAsyncLifetime
{
    private readonly PortalFactory _portal = new();
    private readonly BashBoard _board = new();
    private string _url = "";

    public async Task InitializeAsync()
    {
        if (!File.Exists(PtyPair.Socat) && !IntegrationRequirement.Required)
        {
            return;
        }

        await _board.StartAsync();
        _url = _board.Configure(_portal, index: 0).StartOnLoopback();
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _board.DisposeAsync();
    }

    [SocatFact]
    public async Task PowerCycleThenExpectSeesTheLoginPromptAndTheHoldersCommandsRunInBash()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("bash-user@lab.test"));
        using var other = new PortalCli(_url, await _portal.CreateTokenAsync("bash-onlooker@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "pine-01")).ExitCode);

        var booted = await cli.RunAsync(["console", "pine-01", "--power", "cycle", "--expect", "login: $", "--timeout", "60"], "");
        var silent = await cli.RunAsync(["console", "pine-01", "--expect", "kernel panic", "--timeout", "2", "--json"], "");
        var refused = await other.RunAsync(["console", "pine-01"], "touch " + _board.PathOf("stranger-was-here") + "\r");
        var typed = await cli.RunAsync(["console", "pine-01", "--expect", "answer=42", "--timeout", "60"], "echo answer=$((6*7))\r");

        Assert.True(booted.ExitCode == 0, booted.ToString());
        Assert.EndsWith("U-Boot 2024.01\r\nboard login: ", booted.Stdout);
        Assert.Equal(5, silent.ExitCode);
        Assert.Equal("No output of pine-01 matched 'kernel panic' within 2 s.", silent.Json.GetProperty("error").GetString());
        Assert.Equal(3, refused.ExitCode);
        Assert.Equal("portal: You may not type into pine-01: only the holder types.\n", refused.Stderr);
        Assert.True(typed.ExitCode == 0, typed.ToString());
        Assert.False(File.Exists(_board.PathOf("stranger-was-here")));
    }

    [SocatFact]
    public async Task AnAdminDemotedWhileAttachedMayNoLongerTypeIntoABoardTheyDoNotHold()
    {
        // An admin types into any board; demoted, into none they do not hold, from the next key on.
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("console-ops@lab.test"));
        await _portal.SetAdminAsync("console-ops@lab.test", isAdmin: true);
        using var console = cli.Start(cli.Executable, ["console", "pine-01"]);
        var stderr = console.StandardError.ReadToEndAsync();
        await console.StandardInput.WriteAsync($"touch {_board.PathOf("typed-as-admin")}\r");
        await console.StandardInput.FlushAsync();
        await PtyPair.WaitUntilAsync(() => File.Exists(_board.PathOf("typed-as-admin")), "the admin's command to reach the board");

        await _portal.SetAdminAsync("console-ops@lab.test", isAdmin: false);
        await console.StandardInput.WriteAsync($"touch {_board.PathOf("typed-when-demoted")}\r");
        await console.StandardInput.FlushAsync();

        await console.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, console.ExitCode);
        Assert.Equal("portal: You may not type into pine-01: only the holder types.\n", await stderr);
        Assert.False(File.Exists(_board.PathOf("typed-when-demoted")));
    }

    [SocatFact]
    public async Task OnATerminalKeysGoRawToTheBoardAndTildeDotLeaves()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("terminal-user@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "pine-01")).ExitCode);
        // script(1) gives the command a pseudo-terminal, as a person's terminal would.
        using var session = cli.Start("script", ["-q", "-e", "-c", $"{cli.Executable} console pine-01", "/dev/null"]);
        var output = session.StandardOutput.ReadToEndAsync();
        var connected = session.StandardError.ReadLineAsync();

        await session.StandardInput.WriteAsync("echo typed-$((6*7))\r");
        await session.StandardInput.FlushAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await session.StandardInput.WriteAsync("~.");
        await session.StandardInput.FlushAsync();
        try
        {
            await session.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            session.Kill(entireProcessTree: true);
            throw new TimeoutException($"portal console did not leave on ~.: {await output}");
        }

        var seen = await output;

        Assert.Equal(0, session.ExitCode);
        Assert.Contains("[connected to the console of pine-01; ~. leaves]", seen + await connected);
        Assert.Contains("typed-42", seen);
        Assert.DoesNotContain("~.", seen[seen.IndexOf("typed-42", StringComparison.Ordinal)..]);
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
