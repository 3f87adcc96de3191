using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Reservations;
using Portal.Tests.Support;
using static Portal.Tests.Support.TestReservations;

namespace Portal.Tests.Reservations;

public sealed class ReservationServiceTests : IDisposable
{
    private readonly TestReservations _lab = new();
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose() => _lab.Dispose();

    private ReservationService Reservations => _lab.Service;

    [Fact]
    public async Task ReservingAFreeBoardGrantsTheDefaultLease()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");

        var outcome = await Reservations.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);

        Assert.Null(outcome.Error);
        Assert.Equal("rpi-1", outcome.Reservation!.Board);
        Assert.Equal(ReservationState.Active, outcome.Reservation.State);
        Assert.Equal(_lab.Clock.GetUtcNow().UtcDateTime.AddHours(1), outcome.Reservation.ExpiresAt);
        Assert.Contains(_lab.Events, e => e is BoardChanged { Board: "rpi-1" });
    }

    [Fact]
    public async Task ReserveFailsWhenBoardIsHeld()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice", "bob");
        await Reservations.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);

        var outcome = await Reservations.ReserveBoardAsync(User("bob"), "rpi-1", null, _ct);

        Assert.Equal(new ReservationError(ReservationErrorKind.Conflict, "Board rpi-1 is reserved."), outcome.Error);
    }

    [Fact]
    public async Task TheDatabaseRefusesASecondActiveReservationOfABoard()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice", "bob");
        await Reservations.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        await using var db = _lab.Database.CreateDbContext();
        var board = await db.Boards.SingleAsync();

        db.Reservations.Add(new Reservation { BoardId = board.Id, ActiveBoardId = board.Id, UserId = "bob", State = ReservationState.Active });

        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.True(refused.IsUniqueViolation());
    }

    [Fact]
    public async Task LeaseLongerThanTheMaximumIsRefused()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");

        var outcome = await Reservations.ReserveBoardAsync(User("alice"), "rpi-1", TimeSpan.FromHours(5), _ct);

        Assert.Equal(new ReservationError(ReservationErrorKind.Invalid, "A lease may be at most 4:00:00."), outcome.Error);
    }

    [Fact]
    public async Task ClassReservationPicksAFreeBoardMatchingTheTags()
    {
        await _lab.SeedAsync(["pine/pine-1:usb=no", "pine/pine-2:usb=yes", "pine/pine-3:usb=yes"], "alice", "bob");
        await Reservations.ReserveBoardAsync(User("bob"), "pine-2", null, _ct);

        var outcome = await Reservations.ReserveClassAsync(User("alice"), "pine", new Dictionary<string, string> { ["usb"] = "yes" }, null, waitInQueue: false, _ct);

        Assert.Equal("pine-3", outcome.Reservation!.Board);
    }

    [Fact]
    public async Task ClassReservationWithoutQueueSaysNoBoardIsFree()
    {
        await _lab.SeedAsync(["pine/pine-1:usb=no"], "alice");

        var outcome = await Reservations.ReserveClassAsync(User("alice"), "pine", new Dictionary<string, string> { ["usb"] = "yes" }, null, waitInQueue: false, _ct);

        Assert.Equal(new ReservationError(ReservationErrorKind.Conflict, "No free board of class pine with usb=yes."), outcome.Error);
    }

    [Fact]
    public async Task QueuedRequestsGetBoardsFirstComeFirstServed()
    {
        await _lab.SeedAsync(["pine/pine-1"], "alice", "bob", "carol");
        var held = await Reservations.ReserveClassAsync(User("alice"), "pine", Empty, null, waitInQueue: true, _ct);
        var bob = await Reservations.ReserveClassAsync(User("bob"), "pine", Empty, null, waitInQueue: true, _ct);
        _lab.Clock.Advance(TimeSpan.FromSeconds(1));
        var carol = await Reservations.ReserveClassAsync(User("carol"), "pine", Empty, null, waitInQueue: true, _ct);
        Assert.Equal((1, 2), (bob.Queued!.Position, carol.Queued!.Position));

        await Reservations.ReleaseAsync(User("alice"), held.Reservation!.Id, _ct);

        var active = await Reservations.ListAsync(new ReservationFilter(ActiveOnly: true), _ct);
        Assert.Equal(["bob"], active.Select(r => r.UserId));
        Assert.Equal(1, (await Reservations.QueueAsync("carol", _ct)).Single().Position);
        Assert.Contains(_lab.Events, e => e is ReservationChanged { UserId: "bob", FromQueue: true });
    }

    [Fact]
    public async Task QueuedRequestWhoseTagsMatchNoFreeBoardLetsTheNextOneThrough()
    {
        await _lab.SeedAsync(["pine/pine-1:usb=no", "pine/pine-2:usb=yes"], "alice", "bob", "carol", "dave");
        var first = await Reservations.ReserveBoardAsync(User("alice"), "pine-1", null, _ct);
        await Reservations.ReserveBoardAsync(User("dave"), "pine-2", null, _ct);
        await Reservations.ReserveClassAsync(User("bob"), "pine", new Dictionary<string, string> { ["usb"] = "yes" }, null, waitInQueue: true, _ct);
        await Reservations.ReserveClassAsync(User("carol"), "pine", Empty, null, waitInQueue: true, _ct);

        await Reservations.ReleaseAsync(User("alice"), first.Reservation!.Id, _ct);

        var holder = (await Reservations.ListAsync(new ReservationFilter(Board: "pine-1", ActiveOnly: true), _ct)).Single();
        Assert.Equal("carol", holder.UserId);
        Assert.Equal("bob", (await Reservations.QueueAsync(null, _ct)).Single().UserId);
    }

    [Fact]
    public async Task CancelledQueueEntryIsNotGranted()
    {
        await _lab.SeedAsync(["pine/pine-1"], "alice", "bob");
        var held = await Reservations.ReserveBoardAsync(User("alice"), "pine-1", null, _ct);
        var queued = await Reservations.ReserveClassAsync(User("bob"), "pine", Empty, null, waitInQueue: true, _ct);

        await Reservations.CancelQueueEntryAsync(User("bob"), queued.Queued!.Id, _ct);
        await Reservations.ReleaseAsync(User("alice"), held.Reservation!.Id, _ct);

        Assert.Empty(await Reservations.ListAsync(new ReservationFilter(ActiveOnly: true), _ct));
    }

    [Fact]
    public async Task AdminMovesAQueuedRequestToTheFront()
    {
        await _lab.SeedAsync(["pine/pine-1"], "alice", "bob", "carol", "admin");
        await Reservations.ReserveBoardAsync(User("alice"), "pine-1", null, _ct);
        await Reservations.ReserveClassAsync(User("bob"), "pine", Empty, null, waitInQueue: true, _ct);
        _lab.Clock.Advance(TimeSpan.FromSeconds(1));
        var carol = await Reservations.ReserveClassAsync(User("carol"), "pine", Empty, null, waitInQueue: true, _ct);

        var moved = await Reservations.MoveQueueEntryAsync(Admin("admin"), carol.Queued!.Id, earlier: true, _ct);
        var refused = await Reservations.MoveQueueEntryAsync(User("bob"), carol.Queued.Id, earlier: false, _ct);

        Assert.Equal(1, moved.Queued!.Position);
        Assert.Equal(["carol", "bob"], (await Reservations.QueueAsync(null, _ct)).Select(q => q.UserId));
        Assert.Equal(ReservationErrorKind.Forbidden, refused.Error!.Kind);
    }

    [Fact]
    public async Task LeaseRunsOutOnTheClock()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var granted = await Reservations.ReserveBoardAsync(User("alice"), "rpi-1", TimeSpan.FromMinutes(30), _ct);

        _lab.Clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(0, await Reservations.ExpireDueAsync(_ct));
        _lab.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await Reservations.ExpireDueAsync(_ct));

        var expired = await Reservations.GetAsync(granted.Reservation!.Id, _ct);
        Assert.Equal(ReservationState.Expired, expired!.State);
        Assert.Equal("system", expired.EndedBy);
    }

    [Fact]
    public async Task ExtensionAddsTimeButNeverBeyondTheMaximumFromNow()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var granted = await Reservations.ReserveBoardAsync(User("alice"), "rpi-1", TimeSpan.FromHours(1), _ct);
        var now = _lab.Clock.GetUtcNow().UtcDateTime;

        var once = await Reservations.ExtendAsync(User("alice"), granted.Reservation!.Id, TimeSpan.FromHours(2), _ct);
        var capped = await Reservations.ExtendAsync(User("alice"), granted.Reservation.Id, TimeSpan.FromHours(2), _ct);
        var atMax = await Reservations.ExtendAsync(User("alice"), granted.Reservation.Id, TimeSpan.FromHours(2), _ct);

        Assert.Equal(now.AddHours(3), once.Reservation!.ExpiresAt);
        Assert.Equal(now.AddHours(4), capped.Reservation!.ExpiresAt);
        Assert.Equal("Reservation 1 already runs for the maximum lease of 4:00:00.", atMax.Error!.Detail);
    }

    [Fact]
    public async Task OnlyTheHolderOrAnAdminMayExtendOrRelease()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice", "bob", "admin");
        var granted = await Reservations.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        var id = granted.Reservation!.Id;

        var bobExtends = await Reservations.ExtendAsync(User("bob"), id, null, _ct);
        var bobReleases = await Reservations.ReleaseAsync(User("bob"), id, _ct);
        var adminReleases = await Reservations.ReleaseAsync(Admin("admin"), id, _ct);
        var again = await Reservations.ReleaseAsync(User("alice"), id, _ct);

        // Someone else's reservation is answered as a missing one: a refusal would tell that it exists.
        Assert.Equal($"There is no reservation {id}.", bobExtends.Error!.Detail);
        Assert.Equal(ReservationErrorKind.NotFound, bobReleases.Error!.Kind);
        Assert.Equal(ReservationState.Released, adminReleases.Reservation!.State);
        Assert.Equal("admin@lab.test", adminReleases.Reservation.EndedBy);
        Assert.Equal($"Reservation {id} has already ended (released).", again.Error!.Detail);
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}
