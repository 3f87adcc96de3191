using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Reservations;
using Portal.Tests.Support;
using static Portal.Tests.Support.TestReservations;

namespace Portal.Tests.Reservations;

public sealed class ReservationTests : IDisposable
{
    private readonly TestReservations _lab = new();
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task ReservingAFreeBoardGrantsTheDefaultLease()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");

        var outcome = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);

        Assert.Null(outcome.Error);
        Assert.Equal("rpi-1", outcome.Reservation!.Board);
        Assert.Equal(ReservationState.Active, outcome.Reservation.State);
        Assert.Equal(_lab.Clock.GetUtcNow().UtcDateTime.AddHours(1), outcome.Reservation.ExpiresAt);
        Assert.Contains(_lab.Events, e => e is ReservationChanged { Board: "rpi-1", Granted: true, State: ReservationState.Active });
    }

    [Fact]
    public async Task ReserveFailsWhenBoardIsHeld()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice", "bob");
        await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);

        var outcome = await _lab.Lifecycle.ReserveBoardAsync(User("bob"), "rpi-1", null, _ct);

        Assert.Equal(new ReservationError(ReservationErrorKind.Conflict, "Board rpi-1 is reserved."), outcome.Error);
    }

    [Fact]
    public async Task TheDatabaseRefusesASecondActiveReservationOfABoard()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice", "bob");
        await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
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

        var outcome = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", TimeSpan.FromHours(5), _ct);

        Assert.Equal(new ReservationError(ReservationErrorKind.Invalid, "A lease may be at most 4:00:00."), outcome.Error);
    }

    [Fact]
    public async Task ClassReservationPicksAFreeBoardMatchingTheTags()
    {
        await _lab.SeedAsync(["pine/pine-1:usb=no", "pine/pine-2:usb=yes", "pine/pine-3:usb=yes"], "alice", "bob");
        await _lab.Lifecycle.ReserveBoardAsync(User("bob"), "pine-2", null, _ct);

        var outcome = await _lab.Queue.ReserveClassAsync(User("alice"), "pine", new Dictionary<string, string> { ["usb"] = "yes" }, null, waitInQueue: false, _ct);

        Assert.Equal("pine-3", outcome.Reservation!.Board);
    }

    [Fact]
    public async Task ClassReservationWithoutQueueSaysNoBoardIsFree()
    {
        await _lab.SeedAsync(["pine/pine-1:usb=no"], "alice");

        var outcome = await _lab.Queue.ReserveClassAsync(User("alice"), "pine", new Dictionary<string, string> { ["usb"] = "yes" }, null, waitInQueue: false, _ct);

        Assert.Equal(new ReservationError(ReservationErrorKind.Conflict, "No free board of class pine with usb=yes."), outcome.Error);
    }

    [Fact]
    public async Task QueuedRequestsGetBoardsFirstComeFirstServed()
    {
        await _lab.SeedAsync(["pine/pine-1"], "alice", "bob", "carol");
        var held = await _lab.Queue.ReserveClassAsync(User("alice"), "pine", Empty, null, waitInQueue: true, _ct);
        var bob = await _lab.Queue.ReserveClassAsync(User("bob"), "pine", Empty, null, waitInQueue: true, _ct);
        _lab.Clock.Advance(TimeSpan.FromSeconds(1));
        var carol = await _lab.Queue.ReserveClassAsync(User("carol"), "pine", Empty, null, waitInQueue: true, _ct);
        Assert.Equal((1, 2), (bob.Queued!.Position, carol.Queued!.Position));

        await _lab.Lifecycle.ReleaseAsync(User("alice"), held.Reservation!.Id, _ct);
        await _lab.IdleAsync();

        var active = await _lab.Queries.ListAsync(new ReservationFilter(ActiveOnly: true), _ct);
        Assert.Equal(["bob"], active.Select(r => r.UserId));
        Assert.Equal(1, (await _lab.Queries.QueueAsync("carol", _ct)).Single().Position);
        Assert.Contains(_lab.Events, e => e is ReservationChanged { UserId: "bob", FromQueue: true });
    }

    [Fact]
    public async Task QueuedRequestWhoseTagsMatchNoFreeBoardLetsTheNextOneThrough()
    {
        await _lab.SeedAsync(["pine/pine-1:usb=no", "pine/pine-2:usb=yes"], "alice", "bob", "carol", "dave");
        var first = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "pine-1", null, _ct);
        await _lab.Lifecycle.ReserveBoardAsync(User("dave"), "pine-2", null, _ct);
        await _lab.Queue.ReserveClassAsync(User("bob"), "pine", new Dictionary<string, string> { ["usb"] = "yes" }, null, waitInQueue: true, _ct);
        await _lab.Queue.ReserveClassAsync(User("carol"), "pine", Empty, null, waitInQueue: true, _ct);

        await _lab.Lifecycle.ReleaseAsync(User("alice"), first.Reservation!.Id, _ct);
        await _lab.IdleAsync();

        var holder = (await _lab.Queries.ListAsync(new ReservationFilter(Board: "pine-1", ActiveOnly: true), _ct)).Single();
        Assert.Equal("carol", holder.UserId);
        Assert.Equal("bob", (await _lab.Queries.QueueAsync(null, _ct)).Single().UserId);
    }

    [Fact]
    public async Task CancelledQueueEntryIsNotGranted()
    {
        await _lab.SeedAsync(["pine/pine-1"], "alice", "bob");
        var held = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "pine-1", null, _ct);
        var queued = await _lab.Queue.ReserveClassAsync(User("bob"), "pine", Empty, null, waitInQueue: true, _ct);

        await _lab.Queue.CancelQueueEntryAsync(User("bob"), queued.Queued!.Id, _ct);
        await _lab.Lifecycle.ReleaseAsync(User("alice"), held.Reservation!.Id, _ct);
        await _lab.IdleAsync();

        Assert.Empty(await _lab.Queries.ListAsync(new ReservationFilter(ActiveOnly: true), _ct));
    }

    [Fact]
    public async Task AdminMovesAQueuedRequestToTheFront()
    {
        await _lab.SeedAsync(["pine/pine-1"], "alice", "bob", "carol", "admin");
        await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "pine-1", null, _ct);
        await _lab.Queue.ReserveClassAsync(User("bob"), "pine", Empty, null, waitInQueue: true, _ct);
        _lab.Clock.Advance(TimeSpan.FromSeconds(1));
        var carol = await _lab.Queue.ReserveClassAsync(User("carol"), "pine", Empty, null, waitInQueue: true, _ct);

        var moved = await _lab.Queue.MoveQueueEntryAsync(Admin("admin"), carol.Queued!.Id, earlier: true, _ct);
        var refused = await _lab.Queue.MoveQueueEntryAsync(User("bob"), carol.Queued.Id, earlier: false, _ct);

        Assert.Equal(1, moved.Queued!.Position);
        Assert.Equal(["carol", "bob"], (await _lab.Queries.QueueAsync(null, _ct)).Select(q => q.UserId));
        Assert.Equal(ReservationErrorKind.Forbidden, refused.Error!.Kind);
    }

    [Fact]
    public async Task LeaseRunsOutOnTheClock()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var granted = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", TimeSpan.FromMinutes(30), _ct);

        _lab.Clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(0, await _lab.Lifecycle.ExpireDueAsync(_ct));
        _lab.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await _lab.Lifecycle.ExpireDueAsync(_ct));

        var expired = await _lab.Queries.GetAsync(granted.Reservation!.Id, _ct);
        Assert.Equal(ReservationState.Expired, expired!.State);
        Assert.Equal("system", expired.EndedBy);
    }

    [Fact]
    public async Task AnExpiryOvertakenByAnExtensionLeavesTheLeaseRunning()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var granted = (await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", TimeSpan.FromMinutes(30), _ct)).Reservation!;
        _lab.Clock.Advance(TimeSpan.FromMinutes(30));
        var dueBy = _lab.Clock.GetUtcNow().UtcDateTime;
        await _lab.Lifecycle.ExtendAsync(User("alice"), granted.Id, TimeSpan.FromMinutes(10), _ct);

        // The clock found the lease due, then the extension committed before the expiry's write.
        await using (var db = _lab.Database.CreateDbContext())
        {
            Assert.Equal(0, await db.Reservations.EndAsync(granted.Id, ReservationState.Expired, "system", dueBy, onlyIfDueBy: dueBy, _ct));
        }

        Assert.Equal(ReservationState.Active, (await _lab.Queries.GetAsync(granted.Id, _ct))!.State);
        _lab.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, await _lab.Lifecycle.ExpireDueAsync(_ct));
        var expired = (await _lab.Queries.GetAsync(granted.Id, _ct))!;
        Assert.Equal(ReservationState.Expired, expired.State);
        Assert.Equal(_lab.Clock.GetUtcNow().UtcDateTime, expired.EndedAt);
        Assert.Equal(DateTimeKind.Utc, expired.EndedAt!.Value.Kind);
    }

    [Fact]
    public async Task ExtensionAddsTimeButNeverBeyondTheMaximumFromNow()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var granted = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", TimeSpan.FromHours(1), _ct);
        var now = _lab.Clock.GetUtcNow().UtcDateTime;

        var once = await _lab.Lifecycle.ExtendAsync(User("alice"), granted.Reservation!.Id, TimeSpan.FromHours(2), _ct);
        var capped = await _lab.Lifecycle.ExtendAsync(User("alice"), granted.Reservation.Id, TimeSpan.FromHours(2), _ct);
        var atMax = await _lab.Lifecycle.ExtendAsync(User("alice"), granted.Reservation.Id, TimeSpan.FromHours(2), _ct);

        Assert.Equal(now.AddHours(3), once.Reservation!.ExpiresAt);
        Assert.Equal(now.AddHours(4), capped.Reservation!.ExpiresAt);
        Assert.Equal("Reservation 1 already runs for the maximum lease of 4:00:00.", atMax.Error!.Detail);
    }

    [Fact]
    public async Task OnlyTheHolderOrAnAdminMayExtendOrRelease()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice", "bob", "admin");
        var granted = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);
        var id = granted.Reservation!.Id;

        var bobExtends = await _lab.Lifecycle.ExtendAsync(User("bob"), id, null, _ct);
        var bobReleases = await _lab.Lifecycle.ReleaseAsync(User("bob"), id, _ct);
        var adminReleases = await _lab.Lifecycle.ReleaseAsync(Admin("admin"), id, _ct);
        var again = await _lab.Lifecycle.ReleaseAsync(User("alice"), id, _ct);

        // Someone else's reservation is answered as a missing one, so the refusal does not tell that the id exists.
        Assert.Equal($"There is no reservation {id}.", bobExtends.Error!.Detail);
        Assert.Equal(ReservationErrorKind.NotFound, bobReleases.Error!.Kind);
        Assert.Equal(ReservationState.Released, adminReleases.Reservation!.State);
        Assert.Equal("admin@lab.test", adminReleases.Reservation.EndedBy);
        Assert.Equal($"Reservation {id} has already ended (released).", again.Error!.Detail);
    }

    [Fact]
    public async Task WaitingRequestNoBoardSatisfiesDoesNotKeepTheFreeBoardFromANewRequest()
    {
        await _lab.SeedAsync(["pine/pine-1:usb=no", "pine/pine-2:usb=yes"], "bob", "carol", "dave");
        await _lab.Lifecycle.ReserveBoardAsync(User("dave"), "pine-2", null, _ct);
        var bob = await _lab.Queue.ReserveClassAsync(User("bob"), "pine", new Dictionary<string, string> { ["usb"] = "yes" }, null, waitInQueue: true, _ct);
        Assert.NotNull(bob.Queued);

        var carol = await _lab.Queue.ReserveClassAsync(User("carol"), "pine", Empty, null, waitInQueue: false, _ct);

        Assert.Null(carol.Error);
        Assert.Equal("pine-1", carol.Reservation!.Board);
        Assert.Equal("bob", (await _lab.Queries.QueueAsync(null, _ct)).Single().UserId);
    }

    [Fact]
    public async Task AFreeBoardGoesToTheWaitingRequestItSatisfiesBeforeANewOne()
    {
        await _lab.SeedAsync(["pine/pine-1:usb=yes"], "alice", "bob", "carol");
        var held = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "pine-1", null, _ct);
        await _lab.Queue.ReserveClassAsync(User("bob"), "pine", new Dictionary<string, string> { ["usb"] = "yes" }, null, waitInQueue: true, _ct);

        await _lab.Lifecycle.ReleaseAsync(User("alice"), held.Reservation!.Id, _ct);
        var carol = await _lab.Queue.ReserveClassAsync(User("carol"), "pine", Empty, null, waitInQueue: false, _ct);
        await _lab.IdleAsync();

        Assert.Equal("No free board of class pine.", carol.Error!.Detail);
        Assert.Equal("bob", (await _lab.Queries.ListAsync(new ReservationFilter(ActiveOnly: true), _ct)).Single().UserId);
    }

    [Fact]
    public async Task TagFiltersBeyondTheLimitsAreRefusedNamingTheLimit()
    {
        await _lab.SeedAsync(["pine/pine-1"], "alice");
        var many = Enumerable.Range(0, TagFilter.MaxTags + 1).ToDictionary(i => $"k{i}", _ => "v");
        var longKey = new Dictionary<string, string> { [new string('k', 65)] = "v" };
        var longValue = new Dictionary<string, string> { ["usb"] = new string('v', 1_000_000) };

        var tooMany = await _lab.Queue.ReserveClassAsync(User("alice"), "pine", many, null, waitInQueue: true, _ct);
        var keyTooLong = await _lab.Queue.ReserveClassAsync(User("alice"), "pine", longKey, null, waitInQueue: true, _ct);
        var valueTooLong = await _lab.Queue.ReserveClassAsync(User("alice"), "pine", longValue, null, waitInQueue: true, _ct);

        Assert.Equal(new ReservationError(ReservationErrorKind.Invalid, "A tag filter may have at most 16 tags; this one has 17."), tooMany.Error);
        Assert.Equal(new ReservationError(ReservationErrorKind.Invalid, $"Tag key '{new string('k', 40)}…' is 65 characters long; at most 64 are allowed."), keyTooLong.Error);
        Assert.Equal(new ReservationError(ReservationErrorKind.Invalid, "The value of tag 'usb' is 1000000 characters long; at most 128 are allowed."), valueTooLong.Error);
        Assert.False(TagFilter.TryParse(string.Join(' ', many.Select(t => $"{t.Key}={t.Value}")), out _, out var parseError));
        Assert.Equal("A tag filter may have at most 16 tags; this one has 17.", parseError);
        Assert.Empty(await _lab.Queries.ListAsync(new ReservationFilter(), _ct));
    }

    [Fact]
    public async Task AUserMayWaitWithAtMostTheConfiguredNumberOfRequests()
    {
        _lab.Options.MaxQueuedPerUser = 2;
        await _lab.SeedAsync(["pine/pine-1"], "alice", "bob");
        await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "pine-1", null, _ct);
        await _lab.Queue.ReserveClassAsync(User("bob"), "pine", Empty, null, waitInQueue: true, _ct);
        await _lab.Queue.ReserveClassAsync(User("bob"), "pine", Empty, null, waitInQueue: true, _ct);

        var third = await _lab.Queue.ReserveClassAsync(User("bob"), "pine", Empty, null, waitInQueue: true, _ct);

        Assert.Equal(
            new ReservationError(ReservationErrorKind.Invalid, "You already wait with 2 requests, the most one user may (Lab:Reservations:MaxQueuedPerUser); leave one first."),
            third.Error);
        Assert.Equal(2, (await _lab.Queries.QueueAsync("bob", _ct)).Count);
    }

    [Fact]
    public async Task GrantAndReleaseAreAuditedWithTheReservation()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice", "admin");
        var granted = await _lab.Lifecycle.ReserveBoardAsync(User("alice"), "rpi-1", null, _ct);

        await _lab.Lifecycle.EndAsAdminAsync("admin@lab.test", granted.Reservation!.Id, "user disabled", _ct);

        var audit = await new Portal.Audit.AuditLog(_lab.Database, _lab.Clock).ListAsync("rpi-1", 10, _ct);
        Assert.Equal(
            [("admin@lab.test", "force-release", "user disabled"), ("alice@lab.test", "reserve", $"until {granted.Reservation.ExpiresAt:u}")],
            audit.Select(a => (a.Actor, a.Action, a.Details)));
        Assert.All(audit, a => Assert.Equal(granted.Reservation.Id, a.ReservationId));
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}
