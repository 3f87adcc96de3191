using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Lab;
using Portal.Reservations;
using Portal.Tests.Support;
using static Portal.Tests.Support.TestReservations;

namespace Portal.Tests.Reservations;

/// <summary>The lifecycle's states with the site's setup script, run for real by /bin/sh, in the background.</summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly TestReservations _lab = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-setup-").FullName;
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose()
    {
        Open("reserve");
        Open("release");
        _lab.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ScriptRunsOnGrantAndReleaseWithTheReservationsDetails()
    {
        var log = Path.Combine(_directory, "calls");
        UseScript($"""
            echo "$1 $2 $PORTAL_BOARD $PORTAL_CLASS $PORTAL_USER $PORTAL_RESERVATION" >> {log}
            echo "jail ready for $2"
            """);
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");

        var granted = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        await _lab.IdleAsync();
        await _lab.Lifecycle.ReleaseAsync(User("alice"), granted.Reservation!.Id, _ct);
        await _lab.IdleAsync();

        Assert.Equal("reserve rpi-1 rpi-1 rpi4 alice@lab.test 1\nrelease rpi-1 rpi-1 rpi4 alice@lab.test 1\n", await File.ReadAllTextAsync(log));
        var ended = await _lab.Queries.GetAsync(granted.Reservation.Id, _ct);
        Assert.Equal("jail ready for rpi-1\n", ended!.SetupOutput);
        Assert.Equal(ReservationState.Released, ended.State);
        Assert.Equal(
            [ReservationState.Preparing, ReservationState.Active, ReservationState.Releasing, ReservationState.Released],
            _lab.Events.OfType<ReservationChanged>().Select(e => e.State));
    }

    [Fact]
    public async Task BoardIsPreparingWhileSetupRunsAndReleasingWhileTeardownRunsAndNobodyGetsItMeanwhile()
    {
        UseGatedScript();
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice", "bob");

        var granted = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        Assert.Equal(ReservationState.Preparing, granted.Reservation!.State);
        Assert.Equal(BoardState.Preparing, await BoardStateAsync());
        Open("reserve");
        await _lab.IdleAsync();
        Assert.Equal(BoardState.Reserved, await BoardStateAsync());

        var released = await _lab.Lifecycle.ReleaseAsync(User("alice"), granted.Reservation.Id, _ct);
        var meanwhile = await _lab.Lifecycle.ReserveBoardAsync(User("bob"), "rpi-1", null, _ct);

        Assert.Equal(ReservationState.Releasing, released.Reservation!.State);
        Assert.Equal(BoardState.Releasing, await BoardStateAsync());
        Assert.Equal("Board rpi-1 is being released; its teardown script is still running.", meanwhile.Error!.Detail);
        Open("release");
        await _lab.IdleAsync();
        Assert.Equal(ReservationState.Released, (await _lab.Queries.GetAsync(granted.Reservation.Id, _ct))!.State);
        Assert.Equal(BoardState.Free, await BoardStateAsync());
    }

    [Fact]
    public async Task TheQueueGetsTheBoardOnlyOnceItsTeardownHasFinished()
    {
        UseGatedScript();
        Open("reserve");
        await _lab.SeedAsync(["pine/pine-1"], "alice", "bob");
        var held = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "pine-1", null, _ct);
        await _lab.Queue.ReserveClassAsync(User("bob"), "pine", new Dictionary<string, string>(), null, waitInQueue: true, _ct);
        await _lab.IdleAsync();

        await _lab.Lifecycle.ReleaseAsync(User("alice"), held.Reservation!.Id, _ct);
        await WaitForFileAsync(Started("release", "pine-1"));
        Assert.Equal("bob", (await _lab.Queries.QueueAsync(null, _ct)).Single().UserId);

        Open("release");
        await _lab.IdleAsync();
        Assert.Empty(await _lab.Queries.QueueAsync(null, _ct));
        Assert.Equal("bob", (await _lab.Queries.ListAsync(new ReservationFilter(ActiveOnly: true), _ct)).Single().UserId);
    }

    [Fact]
    public async Task TeardownsOfDifferentBoardsRunAtTheSameTime()
    {
        UseGatedScript();
        Open("reserve");
        await _lab.SeedAsync(["rpi4/rpi-1", "rpi4/rpi-2", "rpi4/rpi-3"], "alice");
        var ids = new List<int>();
        foreach (var board in new[] { "rpi-1", "rpi-2", "rpi-3" })
        {
            ids.Add((await _lab.Lifecycle.ReserveBoardAsync(User("alice"), board, null, _ct)).Reservation!.Id);
        }

        await _lab.IdleAsync();
        foreach (var id in ids)
        {
            await _lab.Lifecycle.ReleaseAsync(User("alice"), id, _ct);
        }

        // Each teardown waits for the gate, so all three can only have started if they run side by side.
        foreach (var board in new[] { "rpi-1", "rpi-2", "rpi-3" })
        {
            await WaitForFileAsync(Started("release", board));
        }

        Open("release");
        await _lab.IdleAsync();
        Assert.All(await _lab.Queries.ListAsync(new ReservationFilter(), _ct), r => Assert.Equal(ReservationState.Released, r.State));
    }

    [Fact]
    public async Task ExpiryMovesToReleasingAtOnceAndEndsAsExpiredAfterTheTeardown()
    {
        UseGatedScript();
        Open("reserve");
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var granted = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", TimeSpan.FromMinutes(30), _ct);
        await _lab.IdleAsync();

        _lab.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, await _lab.Lifecycle.ExpireDueAsync(_ct));

        Assert.Equal(ReservationState.Releasing, (await _lab.Queries.GetAsync(granted.Reservation!.Id, _ct))!.State);
        Open("release");
        await _lab.IdleAsync();
        var expired = (await _lab.Queries.GetAsync(granted.Reservation.Id, _ct))!;
        Assert.Equal(ReservationState.Expired, expired.State);
        Assert.Equal("system", expired.EndedBy);
    }

    [Fact]
    public async Task FailedSetupFailsTheReservationAndFlagsTheBoard()
    {
        UseScript("""
            [ "$1" = reserve ] || exit 0
            echo "no IP left in 10.0.0.0/29" >&2
            exit 4
            """);
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice", "bob");

        var outcome = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        await _lab.IdleAsync();
        var next = await _lab.Lifecycle.ReserveBoardAsync(User("bob"), "rpi-1", null, _ct);

        var failed = (await _lab.Queries.GetAsync(outcome.Reservation!.Id, _ct))!;
        Assert.Equal(ReservationState.Failed, failed.State);
        Assert.Contains("no IP left in 10.0.0.0/29", failed.SetupOutput);
        Assert.Equal("Board rpi-1 needs attention; an admin must clear it first.", next.Error!.Detail);
        Assert.Equal(BoardState.Attention, await BoardStateAsync());
        Assert.Contains(await new Portal.Audit.AuditLog(_lab.Database, _lab.Clock).ListAsync("rpi-1", 10, _ct), a => a is { Action: "setup-failed", Details: "exit code 4" });
    }

    [Fact]
    public async Task SetupThatHangsIsStoppedAtTheTimeoutAndFails()
    {
        UseScript("sleep 30");
        _lab.Lab.SetupScriptTimeout = TimeSpan.FromSeconds(1);
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");

        var outcome = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        await _lab.IdleAsync();

        var failed = (await _lab.Queries.GetAsync(outcome.Reservation!.Id, _ct))!;
        Assert.Equal(ReservationState.Failed, failed.State);
        Assert.Contains("did not finish within 1 s", failed.SetupOutput);
    }

    [Fact]
    public async Task FailedTeardownPutsTheBoardInAttention()
    {
        UseScript("""
            [ "$1" = release ] && { echo "umount: target is busy"; exit 1; }
            exit 0
            """);
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var granted = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        await _lab.IdleAsync();

        await _lab.Lifecycle.ReleaseAsync(User("alice"), granted.Reservation!.Id, _ct);
        await _lab.IdleAsync();

        var released = (await _lab.Queries.GetAsync(granted.Reservation.Id, _ct))!;
        Assert.Equal(ReservationState.Released, released.State);
        Assert.Equal("umount: target is busy\n", released.TeardownOutput);
        await using var db = _lab.Database.CreateDbContext();
        Assert.Equal(BoardCondition.Attention, (await db.Boards.SingleAsync()).Condition);
    }

    [Fact]
    public async Task ReleaseWhilePreparingTearsDownAfterTheSetupHasFinished()
    {
        var log = Path.Combine(_directory, "calls");
        UseGatedScript($"echo \"$1 done\" >> {log}");
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var granted = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        await WaitForFileAsync(Started("reserve", "rpi-1"));

        var released = await _lab.Lifecycle.ReleaseAsync(User("alice"), granted.Reservation!.Id, _ct);
        Open("reserve");
        Open("release");
        await _lab.IdleAsync();

        Assert.Equal(ReservationState.Releasing, released.Reservation!.State);
        Assert.Equal("reserve done\nrelease done\n", await File.ReadAllTextAsync(log));
        Assert.Equal(ReservationState.Released, (await _lab.Queries.GetAsync(granted.Reservation.Id, _ct))!.State);
    }

    private async Task<BoardState> BoardStateAsync() =>
        (await TestLab.Catalog(_lab.Database, _lab.Lab).GetBoardAsync("rpi-1", _ct) ?? await TestLab.Catalog(_lab.Database, _lab.Lab).GetBoardAsync("pine-1", _ct))!.Board.State;

    // A script that says when it started ("started-reserve-BOARD") and then waits until the test opens its phase's gate.
    private void UseGatedScript(string after = "")
    {
        UseScript($"""
            touch "{_directory}/started-$1-$2"
            while [ ! -e "{_directory}/open-$1" ]; do sleep 0.05; done
            {after}
            """);
        _lab.Lab.SetupScriptTimeout = TimeSpan.FromSeconds(30);
    }

    private string Started(string phase, string board) => Path.Combine(_directory, $"started-{phase}-{board}");

    private void Open(string phase) => File.WriteAllText(Path.Combine(_directory, $"open-{phase}"), "");

    private static async Task WaitForFileAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} did not appear within 20 s");
            await Task.Delay(20);
        }
    }

    private void UseScript(string body)
    {
        var path = Path.Combine(_directory, "lab setup.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _lab.Lab.SetupScript = path;
    }
}
