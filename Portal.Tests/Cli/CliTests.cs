using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Tests.Support;

namespace Portal.Tests.Cli;

/// <summary>The <c>portal</c> command against the whole portal on a loopback port: what a script sees, exit codes and --json.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private readonly PortalFactory _portal = new();
    private string _url = "";

    public async Task InitializeAsync()
    {
        _url = _portal.StartOnLoopback();
        await Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task AScriptReservesPowerCyclesAndReleasesABoard()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("script@lab.test"));

        var reserve = await cli.RunAsync("reserve", "pine-01", "--minutes", "30", "--json");
        var cycle = await cli.RunAsync("power", "pine-01", "cycle");
        var boards = await cli.RunAsync("boards");
        var board = await cli.RunAsync("boards", "pine-01", "--json");
        var release = await cli.RunAsync("release", "pine-01");

        Assert.True(reserve.ExitCode == 0, reserve.ToString());
        Assert.Equal(("pine-01", "active"), (reserve.Json.GetProperty("board").GetString(), reserve.Json.GetProperty("state").GetString()));
        Assert.Equal("pine-01: on\n", cycle.Stdout);
        Assert.Matches(@"pine-01\s+pine64-a64-lts\s+reserved\s+script@lab.test\s+\S+ \S+ UTC\s+on\s+simulated", boards.Stdout);
        Assert.Equal(("simulated", "on", "script@lab.test"), (board.Json.GetProperty("console").GetString(), board.Json.GetProperty("power").GetString(), board.Json.GetProperty("holder").GetString()));
        Assert.Equal($"Released pine-01 (reservation {reserve.Json.GetProperty("id").GetInt32()}).\n", release.Stdout);
        Assert.Contains(await _portal.Services.GetRequiredService<AuditLog>().ListAsync("pine-01", 20, CancellationToken.None), a => a.Action == "power-cycle" && a.Actor == "script@lab.test");
    }

    [Fact]
    public async Task ReserveWaitGetsABoardOfTheClassWhenOneIsReleasedATimeoutLeavesTheQueueAndExtendMovesTheLease()
    {
        using var holder = new PortalCli(_url, await _portal.CreateTokenAsync("pine-holder@lab.test"));
        using var waiter = new PortalCli(_url, await _portal.CreateTokenAsync("pine-waiter@lab.test"));
        Assert.Equal(0, (await holder.RunAsync("reserve", "pine-01")).ExitCode);
        Assert.Equal(0, (await holder.RunAsync("reserve", "pine-02")).ExitCode);

        var timedOut = await waiter.RunAsync("reserve", "--class", "pine64-a64-lts", "--wait", "--timeout", "3", "--json");
        var queueAfterTimeout = await waiter.RunAsync("reservations", "--json");
        using var waiting = waiter.Start(waiter.Executable, ["reserve", "--class", "pine64-a64-lts", "--wait", "--timeout", "90", "--minutes", "20"]);
        var stdout = waiting.StandardOutput.ReadToEndAsync();
        Assert.Equal("Waiting for a board of class pine64-a64-lts: number 1 in the queue.", await waiting.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, (await holder.RunAsync("release", "pine-02")).ExitCode);
        await waiting.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var extend = await waiter.RunAsync("extend", "pine-02", "--minutes", "30", "--json");

        Assert.Equal(5, timedOut.ExitCode);
        Assert.Equal("No board was granted within 3 s; the request left the queue.", timedOut.Json.GetProperty("error").GetString());
        Assert.Equal(0, queueAfterTimeout.Json.GetProperty("queue").GetArrayLength());
        Assert.Equal(0, waiting.ExitCode);
        Assert.Matches(@"^Reserved pine-02 until \S+ \S+ UTC \(reservation \d+\)\.\n$", await stdout);
        Assert.True(extend.ExitCode == 0, extend.ToString());
        var expires = extend.Json.GetProperty("expiresAt").GetDateTime();
        var granted = extend.Json.GetProperty("grantedAt").GetDateTime();
        Assert.InRange(expires - granted, TimeSpan.FromMinutes(49), TimeSpan.FromMinutes(51));
    }

    [Fact]
    public async Task EachRefusalIsOneSentenceWithItsExitCodeAndJson()
    {
        var holderToken = await _portal.CreateTokenAsync("keeper@lab.test");
        using var holder = new PortalCli(_url, holderToken);
        using var other = new PortalCli(_url, await _portal.CreateTokenAsync("bystander@lab.test"));
        using var noToken = new PortalCli(_url, null);
        using var wrongToken = new PortalCli(_url, "ptl_not-a-token");
        using var noPower = new PortalCli(_url, await _portal.CreateTokenAsync("nopower@lab.test"));
        var rules = _portal.Services.GetRequiredService<AccessRuleService>();
        Assert.True((await rules.CreateAsync(await _portal.AdminAsync(), new RuleInput(SubjectKind.User, "nopower@lab.test", Capability.Power, TargetKind.All, null, RuleEffect.Deny), CancellationToken.None)).Succeeded);
        Assert.Equal(0, (await holder.RunAsync("reserve", "pine-02")).ExitCode);
        Assert.Equal(0, (await noPower.RunAsync("reserve", "rpi-01")).ExitCode);

        var cases = new (PortalCli Cli, string[] Args, int Exit, string Sentence)[]
        {
            (noToken, ["boards"], 3, "No access token: set PORTAL_TOKEN or run 'portal login URL' with a token from the portal's Access tokens page."),
            (wrongToken, ["boards"], 3, $"The portal at {_url} refused the access token: it is unknown, revoked or expired (create one on the Access tokens page)."),
            (other, ["power", "pine-02", "off"], 3, "Only the holder of pine-02 or an admin may switch its power."),
            (other, ["reserve", "pine-02"], 3, "Board pine-02 is reserved."),
            (noPower, ["power", "rpi-01", "on"], 3, "You lack the Power capability on board rpi-01 (#"),
            (other, ["boards", "nope"], 4, "There is no board named 'nope'."),
            (other, ["power", "nope", "state"], 4, "There is no board named 'nope'."),
            (other, ["release", "pine-02"], 4, "You hold no reservation of a board named 'pine-02'."),
            (other, ["tunnel", "pine-02", "22"], 3, "Board pine-02 offers no tunnel to port 22; it offers no tunnels."),
            (other, ["power", "pine-02", "sideways"], 2, ""),
        };
        foreach (var (cli, args, exit, sentence) in cases)
        {
            var text = await cli.RunAsync(args);
            var json = await cli.RunAsync([.. args, "--json"]);

            Assert.True(exit == text.ExitCode, $"{string.Join(' ', args)}: {text}");
            Assert.Equal(exit, json.ExitCode);
            Assert.Single(text.Stderr.TrimEnd('\n').Split('\n'));
            Assert.DoesNotContain("   at ", text.Stderr);
            if (sentence.Length > 0)
            {
                // A rule's reason carries its id, so that sentence is compared up to there.
                Assert.StartsWith($"portal: {sentence}", text.Stderr);
                Assert.StartsWith(sentence, json.Json.GetProperty("error").GetString());
                Assert.Equal(exit, json.Json.GetProperty("exitCode").GetInt32());
            }
        }
    }

    [Fact]
    public async Task ConsoleExpectWaitsForTheBootAfterAPowerCycleAndTimesOutOtherwise()
    {
        using var cli = new PortalCli(_url, await _portal.CreateTokenAsync("ci@lab.test"));
        Assert.Equal(0, (await cli.RunAsync("reserve", "rpi-02")).ExitCode);

        var booted = await cli.RunAsync(["console", "rpi-02", "--power", "cycle", "--expect", "Welcome to rpi-\\d+", "--timeout", "60", "--json"], "");
        var silent = await cli.RunAsync(["console", "rpi-02", "--expect", "never printed", "--timeout", "2"], "");

        Assert.True(booted.ExitCode == 0, booted.ToString());
        Assert.Equal("Welcome to rpi-02", booted.Json.GetProperty("matched").GetString());
        Assert.Equal(5, silent.ExitCode);
        Assert.Equal("portal: No output of rpi-02 matched 'never printed' within 2 s.\n", silent.Stderr);
    }

    [Fact]
    public async Task PipedInputIsTypedByTheHolderAndRefusedToOthers()
    {
        using var holder = new PortalCli(_url, await _portal.CreateTokenAsync("typist@lab.test"));
        using var other = new PortalCli(_url, await _portal.CreateTokenAsync("watcher@lab.test"));
        Assert.Equal(0, (await holder.RunAsync("reserve", "pine-01")).ExitCode);

        var refused = await other.RunAsync(["console", "pine-01"], "echo from-a-stranger\r");
        var typed = await holder.RunAsync(["console", "pine-01"], "echo from-the-holder\r");

        Assert.Equal(3, refused.ExitCode);
        Assert.Equal("portal: You may not type into pine-01: only the holder types.\n", refused.Stderr);
        Assert.True(typed.ExitCode == 0, typed.ToString());
        Assert.Contains("from-the-holder\r\nroot@pine-01:~# ", typed.Stdout);
        Assert.DoesNotContain("from-a-stranger\r\n", typed.Stdout);
    }

    [Fact]
    public async Task LoginStoresTheTokenReadableOnlyByItsOwner()
    {
        var token = await _portal.CreateTokenAsync("login@lab.test");
        using var cli = new PortalCli(_url, null);

        var login = await cli.RunAsync(["login", _url], token + "\n");
        var reservations = await cli.RunAsync("reservations", "--json");

        Assert.True(login.ExitCode == 0, login.ToString());
        var stored = Path.Combine(cli.Directory, "config", "portal", "config.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(stored));
        Assert.Equal(0, reservations.ExitCode);
        Assert.Equal(0, reservations.Json.GetProperty("reservations").GetArrayLength());
    }
}
