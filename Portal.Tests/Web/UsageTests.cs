using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Tests.Support;
using Portal.Usage;

namespace Portal.Tests.Web;

/// <summary>The Usage page's figures, from reservations and queue requests with known times, and their CSV exports.</summary>
public sealed class UsageTests : IAsyncLifetime
{
    private const string Password = "Usage-Pass-1234";

    // Monday 2 November to Sunday 8 November 2026, UTC.
    private static readonly UsagePeriod Week = new(Utc(2026, 11, 2, 0, 0), Utc(2026, 11, 9, 0, 0));

    private readonly PortalFactory _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task BusyHoursAreClippedToThePeriodAndTheHeatMapQueueWaitsTopUsersAndUnusedBoardsFollowTheHistory()
    {
        await SeedAsync();

        var report = await _portal.Services.GetRequiredService<UsageService>().ReportAsync(Week, CancellationToken.None);

        var rpi01 = report.Boards.Single(b => b.Board == "rpi-01");
        Assert.Equal((2, 3.0, 1.79), (rpi01.Reservations, rpi01.BusyHours, rpi01.BusyPercent));
        Assert.Equal(0.5, report.Boards.Single(b => b.Board == "pine-01").BusyHours);
        Assert.Null(report.Boards.Single(b => b.Board == "rpi-02").LastReserved);
        Assert.Contains(report.RarelyUsed, b => b.Board == "rpi-02");

        Assert.Equal(7, report.Buckets.Count);
        Assert.Equal([3.0, 0, 0, 0, 0, 0, 0], report.Classes.Single(c => c.Class == "rpi4").HoursPerBucket);
        Assert.Equal([0, 0.5, 0, 0, 0, 0, 0], report.Classes.Single(c => c.Class == "pine64-a64-lts").HoursPerBucket);

        // Only reservations that started in the period count as starts: Monday 09:00 and Tuesday 14:30.
        Assert.Equal(1, report.StartsByWeekdayAndHour[0, 9]);
        Assert.Equal(1, report.StartsByWeekdayAndHour[1, 14]);
        Assert.Equal(2, report.StartsByWeekdayAndHour.Cast<int>().Sum());

        Assert.Equal(new QueueWaits(Utc(2026, 11, 3, 0, 0), 1, 30, 30), report.QueueWaits[1]);
        Assert.Equal([("alice@lab.test", 2, 3.0), ("bob@lab.test", 1, 0.5)], report.TopUsers.Select(u => (u.User, u.Reservations, u.BusyHours)));

        // Three checks of rpi4 boards in the period, two passed; one before it is left out.
        var rpi4 = report.HealthChecks.Single(h => h.Class == "rpi4");
        Assert.Equal((3, 2, 66.7), (rpi4.Checks, rpi4.Passed, rpi4.PassPercent));
        Assert.Equal(0, report.HealthChecks.Single(h => h.Class == "pine64-a64-lts").Checks);
    }

    [Fact]
    public async Task EachTableIsExportedAsCsvToAdminsOnly()
    {
        await SeedAsync();
        // As the page's CSV buttons do: with the sign-in cookie.
        var admin = await _portal.LoggedInClientAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await _portal.CreateUserAsync("someone@lab.test", Password);
        var user = await _portal.LoggedInClientAsync("someone@lab.test", Password);

        var users = await admin.GetAsync("/admin/usage/users.csv?from=2026-11-02&to=2026-11-08");
        var starts = await admin.GetStringAsync("/admin/usage/starts.csv?from=2026-11-02&to=2026-11-08");
        var unknown = await admin.GetAsync("/admin/usage/nothing.csv?from=2026-11-02&to=2026-11-08");
        var tooLong = await admin.GetAsync("/admin/usage/users.csv?from=2024-01-01&to=2026-11-08");

        Assert.Equal(HttpStatusCode.OK, users.StatusCode);
        Assert.Equal("text/csv", users.Content.Headers.ContentType!.MediaType);
        Assert.Equal("user,reservations,busy_hours\r\nalice@lab.test,2,3\r\nbob@lab.test,1,0.5\r\n", await users.Content.ReadAsStringAsync());
        Assert.StartsWith("weekday,00,01,", starts);
        Assert.Contains("\r\nMon,0,0,0,0,0,0,0,0,0,1,", starts);
        Assert.Contains("\r\nrpi4,3,2,66.7\r\n", await admin.GetStringAsync("/admin/usage/health.csv?from=2026-11-02&to=2026-11-08"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("There is no usage table 'nothing'; there are boards, classes, starts, queue, users, health.", (await unknown.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal("The period must end after it starts and last at most 366 days.", (await tooLong.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync("/admin/usage/users.csv?from=2026-11-02&to=2026-11-08")).StatusCode);
    }

    private async Task SeedAsync()
    {
        var alice = await _portal.CreateUserAsync("alice@lab.test", Password);
        var bob = await _portal.CreateUserAsync("bob@lab.test", Password);
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        var boards = await db.Boards.Include(b => b.Class).ToDictionaryAsync(b => b.Name);
        db.Reservations.AddRange(
            Ended(alice.UserId, boards["rpi-01"].Id, Utc(2026, 11, 2, 9, 0), Utc(2026, 11, 2, 11, 0)),
            // Started before the period: one of its two hours is in it.
            Ended(alice.UserId, boards["rpi-01"].Id, Utc(2026, 11, 1, 23, 0), Utc(2026, 11, 2, 1, 0)));
        var fromQueue = Ended(bob.UserId, boards["pine-01"].Id, Utc(2026, 11, 3, 14, 30), Utc(2026, 11, 3, 15, 0));
        db.Reservations.Add(fromQueue);
        await db.SaveChangesAsync();
        db.Queue.Add(new QueueEntry
        {
            UserId = bob.UserId,
            BoardClassId = boards["pine-01"].BoardClassId,
            Lease = TimeSpan.FromHours(1),
            State = QueueEntryState.Granted,
            CreatedAt = Utc(2026, 11, 3, 14, 0),
            ReservationId = fromQueue.Id,
        });
        await db.SaveChangesAsync();
        db.HealthChecks.AddRange(
            Check(1, boards["rpi-01"].Id, Utc(2026, 11, 4, 3, 0), HealthCheckOutcome.Passed),
            Check(2, boards["rpi-02"].Id, Utc(2026, 11, 5, 3, 0), HealthCheckOutcome.Passed),
            Check(3, boards["rpi-02"].Id, Utc(2026, 11, 6, 3, 0), HealthCheckOutcome.Failed),
            Check(4, boards["rpi-02"].Id, Utc(2026, 10, 6, 3, 0), HealthCheckOutcome.Failed));
        await db.SaveChangesAsync();
    }

    // Reservation ids far from the seeded ones: the checks' own reservations do not matter here.
    private static HealthCheckRun Check(int number, int boardId, DateTime at, HealthCheckOutcome outcome) =>
        new() { BoardId = boardId, ReservationId = 100_000 + number, Trigger = "test", Outcome = outcome, StartedAt = at, FinishedAt = at.AddMinutes(1) };

    private static Reservation Ended(string userId, int boardId, DateTime granted, DateTime ended) => new()
    {
        UserId = userId,
        BoardId = boardId,
        State = ReservationState.Released,
        GrantedAt = granted,
        ExpiresAt = ended,
        EndedAt = ended,
    };

    private static DateTime Utc(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0, DateTimeKind.Utc);
}
