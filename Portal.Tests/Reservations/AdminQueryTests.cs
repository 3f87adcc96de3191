using Portal.Audit;
using Portal.Data;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Reservations;

/// <summary>The admin tables' queries: paged, sorted and filtered by the database, however long the history.</summary>
public sealed class AdminQueryTests : IDisposable
{
    private readonly TestReservations _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task AllReservationsComeOnePageAtATimeFilteredByUserBoardStateAndGrantTime()
    {
        await _lab.SeedAsync(["rpi4/rpi-1", "rpi4/rpi-2"], "alice", "bob");
        var (alice, bob) = (TestReservations.User("alice"), TestReservations.User("bob"));
        for (var i = 0; i < 30; i++)
        {
            var who = i % 3 == 0 ? bob : alice;
            var granted = await _lab.Service.ReserveBoardAsync(who, i % 2 == 0 ? "rpi-1" : "rpi-2", null, CancellationToken.None);
            Assert.Null(granted.Error);
            if (i < 28)
            {
                Assert.Null((await _lab.Service.ReleaseAsync(who, granted.Reservation!.Id, CancellationToken.None)).Error);
            }

            _lab.Clock.Advance(TimeSpan.FromHours(1));
        }

        var query = new ReservationAdminQuery(_lab.Database);

        var first = await query.PageAsync(new ReservationQuery(PageSize: 25), CancellationToken.None);
        Assert.Equal(30, first.Total);
        Assert.Equal(25, first.Items.Count);
        Assert.Equal(30, first.Items[0].Id);
        var second = await query.PageAsync(new ReservationQuery(Page: 1, PageSize: 25), CancellationToken.None);
        Assert.Equal([5, 4, 3, 2, 1], second.Items.Select(r => r.Id));

        var bobs = await query.PageAsync(new ReservationQuery(User: "BOB@"), CancellationToken.None);
        Assert.Equal(10, bobs.Total);
        Assert.All(bobs.Items, r => Assert.Equal("bob@lab.test", r.UserEmail));

        var active = await query.PageAsync(new ReservationQuery(State: ReservationState.Active, Board: "rpi-2"), CancellationToken.None);
        Assert.Equal([30], active.Items.Select(r => r.Id));

        var start = new DateTime(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc);
        var fourHours = await query.PageAsync(new ReservationQuery(From: start.AddHours(2), To: start.AddHours(6), SortBy: nameof(ReservationView.Id), Descending: false), CancellationToken.None);
        Assert.Equal([3, 4, 5, 6], fourHours.Items.Select(r => r.Id));

        var byUser = await query.PageAsync(new ReservationQuery(SortBy: nameof(ReservationView.UserEmail), Descending: false, PageSize: 100), CancellationToken.None);
        Assert.Equal("alice@lab.test", byUser.Items[0].UserEmail);
        Assert.Equal("bob@lab.test", byUser.Items[^1].UserEmail);

        var literal = await query.PageAsync(new ReservationQuery(User: "%"), CancellationToken.None);
        Assert.Equal(0, literal.Total);
    }

    [Fact]
    public async Task TheAuditLogComesOnePageAtATimeFilteredByWhoBoardActionAndTime()
    {
        var audit = new AuditLog(_lab.Database, _lab.Clock);
        for (var i = 0; i < 120; i++)
        {
            await audit.WriteAsync(i % 2 == 0 ? "ada@lab.test" : "bob@lab.test", i % 4 == 0 ? "power-cycle" : "reserve", i % 3 == 0 ? "rpi-1" : "pine-1", null, null, CancellationToken.None);
            _lab.Clock.Advance(TimeSpan.FromMinutes(10));
        }

        var newest = await audit.PageAsync(new AuditQuery(PageSize: 50), CancellationToken.None);
        Assert.Equal(120, newest.Total);
        Assert.Equal(50, newest.Items.Count);
        Assert.True(newest.Items[0].At > newest.Items[1].At);
        var last = await audit.PageAsync(new AuditQuery(Page: 2, PageSize: 50), CancellationToken.None);
        Assert.Equal(20, last.Items.Count);

        var adaPower = await audit.PageAsync(new AuditQuery(Actor: "ada", Action: "power"), CancellationToken.None);
        Assert.Equal(30, adaPower.Total);
        Assert.All(adaPower.Items, a => Assert.Equal(("ada@lab.test", "power-cycle"), (a.Actor, a.Action)));

        var rpi = await audit.PageAsync(new AuditQuery(Board: "rpi", PageSize: 200), CancellationToken.None);
        Assert.Equal(40, rpi.Total);

        var start = new DateTime(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc);
        var firstHour = await audit.PageAsync(new AuditQuery(From: start, To: start.AddHours(1), SortBy: nameof(AuditView.Actor), Descending: true), CancellationToken.None);
        Assert.Equal(6, firstHour.Total);
        Assert.Equal(["bob@lab.test", "bob@lab.test", "bob@lab.test", "ada@lab.test", "ada@lab.test", "ada@lab.test"], firstHour.Items.Select(a => a.Actor));
    }
}
