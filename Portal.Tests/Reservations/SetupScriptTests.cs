using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Lab;
using Portal.Reservations;
using Portal.Tests.Support;
using static Portal.Tests.Support.TestReservations;

namespace Portal.Tests.Reservations;

/// <summary>The site's setup script, run for real by /bin/sh.</summary>
public sealed class SetupScriptTests : IDisposable
{
    private readonly TestReservations _lab = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-setup-").FullName;
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose()
    {
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

        var granted = await _lab.Service.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        await _lab.Service.ReleaseAsync(User("alice"), granted.Reservation!.Id, _ct);

        Assert.Equal("reserve rpi-1 rpi-1 rpi4 alice@lab.test 1\nrelease rpi-1 rpi-1 rpi4 alice@lab.test 1\n", await File.ReadAllTextAsync(log));
        var ended = await _lab.Service.GetAsync(granted.Reservation.Id, _ct);
        Assert.Equal("jail ready for rpi-1\n", ended!.SetupOutput);
        Assert.Equal(ReservationState.Released, ended.State);
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

        var outcome = await _lab.Service.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        var next = await _lab.Service.ReserveBoardAsync(User("bob"), "rpi-1", null, _ct);

        Assert.Equal(ReservationErrorKind.SetupFailed, outcome.Error!.Kind);
        Assert.Contains("exit code 4", outcome.Error.Detail);
        Assert.Contains("no IP left in 10.0.0.0/29", outcome.Error.Detail);
        Assert.Equal(ReservationState.Failed, outcome.Reservation!.State);
        Assert.Equal("Board rpi-1 is attention; an admin must clear it first.", next.Error!.Detail);
        var board = (await TestLab.Catalog(_lab.Database, _lab.Lab).GetBoardAsync("rpi-1", _ct))!.Board;
        Assert.Equal(BoardState.Attention, board.State);
    }

    [Fact]
    public async Task SetupThatHangsIsStoppedAtTheTimeoutAndFails()
    {
        UseScript("sleep 30");
        _lab.Lab.SetupScriptTimeout = TimeSpan.FromSeconds(1);
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");

        var outcome = await _lab.Service.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);

        Assert.Equal(ReservationState.Failed, outcome.Reservation!.State);
        Assert.Contains("did not finish within 1 s", outcome.Error!.Detail);
    }

    [Fact]
    public async Task FailedTeardownPutsTheBoardInAttention()
    {
        UseScript("""
            [ "$1" = release ] && { echo "umount: target is busy"; exit 1; }
            exit 0
            """);
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var granted = await _lab.Service.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);

        var released = await _lab.Service.ReleaseAsync(User("alice"), granted.Reservation!.Id, _ct);

        Assert.Equal("umount: target is busy\n", released.Reservation!.TeardownOutput);
        await using var db = _lab.Database.CreateDbContext();
        Assert.Equal(BoardCondition.Attention, (await db.Boards.SingleAsync()).Condition);
    }

    private void UseScript(string body)
    {
        var path = Path.Combine(_directory, "lab setup.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _lab.Lab.SetupScript = path;
    }
}
