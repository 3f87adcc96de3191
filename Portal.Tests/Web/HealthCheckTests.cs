using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Consoles;
using Portal.Data;
using Portal.Health;
using Portal.Lab;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>
/// Health checks through the whole portal, against a board whose console is a real bash on a socat pty and whose power
/// cycle prints a U-Boot banner and a login prompt there (<see cref="BashBoard"/>, as pine-01 of the demo lab).
/// </summary>
public sealed class HealthCheckTests : IAsyncLifetime
{
    private const string Board = "pine-01";

    private readonly PortalFactory _portal = new();
    private readonly BashBoard _board = new();

    public async Task InitializeAsync()
    {
        if (File.Exists(PtyPair.Socat) || IntegrationRequirement.Required)
        {
            await _board.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _board.DisposeAsync();
    }

    [SocatFact]
    public async Task AnAdminsCheckWaitsForTheHolderThenTakesTheBoardRecordsItsConsoleAndFindsItGood()
    {
        Start(Passing());
        var lifecycle = _portal.Services.GetRequiredService<ReservationLifecycle>();
        var health = _portal.Services.GetRequiredService<BoardHealthService>();
        var holder = await _portal.CreateUserAsync("holder@lab.test", "Health-Pass-123");
        var other = await _portal.CreateUserAsync("other@lab.test", "Health-Pass-123");
        var results = new List<(string Board, string Outcome)>();
        using var meter = ListenToHealthChecks(results);
        var held = (await lifecycle.ReserveBoardAsync(holder, Board, null, CancellationToken.None)).Reservation!;

        Assert.Null(await health.RequestCheckAsync(await _portal.AdminAsync(), Board, CancellationToken.None));
        var waiting = await health.GetAsync(Board, CancellationToken.None);
        var stateWhileHeld = (await Catalog().GetBoardAsync(Board, CancellationToken.None))!.Board.State;
        await lifecycle.ReleaseAsync(holder, held.Id, CancellationToken.None);
        await EventuallyAsync(() => health.GetAsync(Board, CancellationToken.None), h => h?.LastCheck?.Outcome == HealthCheckOutcome.Running, "the check to start");
        var duringCheck = await lifecycle.ReserveBoardAsync(other, Board, null, CancellationToken.None);
        var done = await EventuallyAsync(() => health.GetAsync(Board, CancellationToken.None), h => h?.LastCheck?.Outcome != HealthCheckOutcome.Running, "the check to end");

        Assert.Equal($"on demand by {PortalFactory.AdminEmail}", waiting!.CheckDue);
        Assert.Equal(BoardState.Reserved, stateWhileHeld);
        Assert.Equal(ReservationErrorKind.Conflict, duringCheck.Error?.Kind);
        Assert.Equal(BoardHealth.Good, done!.Health);
        Assert.Null(done.CheckDue);
        var check = done.LastCheck!;
        Assert.Equal(HealthCheckOutcome.Passed, check.Outcome);
        Assert.Contains("step 1: power cycle: ok", check.Log);
        Assert.Contains("U-Boot 2024.01\r\nboard login: ", check.Log);
        Assert.Contains("health-42", check.Log);
        var recording = _portal.Services.GetRequiredService<ConsoleRecorder>().LogPath(check.ReservationId);
        await PtyPair.WaitUntilAsync(() => File.Exists(recording) && ReadShared(recording).Contains("health-42", StringComparison.Ordinal), "the check's console recording");
        Assert.Contains((Board, "passed"), results);
        var after = await lifecycle.ReserveBoardAsync(other, Board, null, CancellationToken.None);
        Assert.Null(after.Error);
    }

    [SocatFact]
    public async Task AFailedCheckTakesTheBoardOutOfThePoolSaysWhyEverywhereAndStopsAfterTheFailuresInARow()
    {
        Start(Failing());
        var api = await _portal.TokenClientAsync(PortalFactory.AdminEmail);
        var user = await _portal.CreateUserAsync("user@lab.test", "Health-Pass-123");
        var lifecycle = _portal.Services.GetRequiredService<ReservationLifecycle>();
        var queue = _portal.Services.GetRequiredService<ReservationQueue>();
        var health = _portal.Services.GetRequiredService<BoardHealthService>();
        const string reason = "Step 2 of 2 (expect /kernel: all good/ within 2 s) failed: the console did not print /kernel: all good/ within 2 s.";

        var requested = await api.PostAsync($"/api/v1/admin/boards/{Board}/health-check", null);
        var first = await EventuallyAsync(() => health.GetAsync(Board, CancellationToken.None), h => h?.LastCheck is { Outcome: not HealthCheckOutcome.Running }, "the first check");
        var direct = await lifecycle.ReserveBoardAsync(user, Board, null, CancellationToken.None);
        var byTag = await queue.ReserveClassAsync(user, "pine64-a64-lts", new Dictionary<string, string> { ["usb"] = "yes" }, null, waitInQueue: false, CancellationToken.None);
        var detail = await api.GetFromJsonAsync<JsonElement>($"/api/v1/boards/{Board}");
        var history = await api.GetFromJsonAsync<JsonElement>($"/api/v1/boards/{Board}/health");
        await api.PostAsync($"/api/v1/admin/boards/{Board}/health-check", null);
        var second = await EventuallyAsync(() => health.GetAsync(Board, CancellationToken.None), h => h?.LastCheck is { Id: var id, Outcome: not HealthCheckOutcome.Running } && id != first!.LastCheck!.Id, "the second check");
        var anyBoard = await queue.ReserveClassAsync(user, "pine64-a64-lts", new Dictionary<string, string>(), null, waitInQueue: false, CancellationToken.None);
        var cleared = await api.PostAsync($"/api/v1/admin/boards/{Board}/health/clear", null);
        var afterClear = await lifecycle.ReserveBoardAsync(user, Board, null, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        Assert.Equal(BoardHealth.Bad, first!.Health);
        Assert.Equal(reason, first.Note);
        Assert.Equal($"Board {Board} failed its health check: {reason.TrimEnd('.')}.", direct.Error?.Detail);
        Assert.Equal("No free board of class pine64-a64-lts with usb=yes.", byTag.Error?.Detail);
        Assert.Equal("bad", detail.GetProperty("state").GetString());
        Assert.Equal("bad", detail.GetProperty("health").GetString());
        Assert.Equal(reason, detail.GetProperty("healthNote").GetString());
        var logged = history.GetProperty("checks")[0];
        Assert.Equal("failed", logged.GetProperty("outcome").GetString());
        Assert.Contains("board login: ", logged.GetProperty("log").GetString());
        Assert.Equal($"{reason} Failed 2 times in a row: no check runs by itself until an admin clears the board.", second!.Note);
        Assert.Equal(2, second.FailedChecksInRow);
        Assert.Equal("pine-02", anyBoard.Reservation?.Board);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Null(afterClear.Error);
        Assert.Equal(2, (await health.HistoryAsync(Board, CancellationToken.None)).Count);
    }

    [SocatFact]
    public async Task EveryIntervalACheckRunsUntilItFailedTooOftenInARowAndAnAdminsClearLetsItRunAgain()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _portal.WithServices(services => services.AddSingleton<TimeProvider>(clock));
        Start(Failing().Append(new("Every", "00:10:00")));
        var health = _portal.Services.GetRequiredService<BoardHealthService>();
        // Ten minutes pass, and then time goes on (half a minute per look), as it does for a scheduler between its wake-ups.
        async Task<IReadOnlyList<HealthCheckView>> ChecksAfterTenMinutesAsync(int expected)
        {
            clock.Advance(TimeSpan.FromMinutes(10));
            return (await EventuallyAsync(
                () =>
                {
                    clock.Advance(TimeSpan.FromSeconds(30));
                    return health.HistoryAsync(Board, CancellationToken.None);
                },
                h => h.Count == expected && h.All(c => c.Outcome != HealthCheckOutcome.Running),
                $"{expected} checks"))!;
        }

        var first = await ChecksAfterTenMinutesAsync(1);
        var second = await ChecksAfterTenMinutesAsync(2);
        for (var i = 0; i < 30; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(100);
        }

        var stopped = await health.GetAsync(Board, CancellationToken.None);
        Assert.Null(await health.ClearAsync(await _portal.AdminAsync(), Board, CancellationToken.None));
        var third = await ChecksAfterTenMinutesAsync(3);

        Assert.Equal("every 00:10:00", first[0].Trigger);
        Assert.Equal(HealthCheckOutcome.Failed, second[0].Outcome);
        Assert.Equal(2, stopped!.FailedChecksInRow);
        Assert.Null(stopped.CheckDue);
        Assert.Equal(2, stopped.LastCheck!.Id - first[0].Id + 1);
        Assert.Equal("every 00:10:00", third[0].Trigger);
    }

    [SocatFact]
    public async Task AfterItsReservationsTheCheckGoesFirstAndTheQueueWaitsForIt()
    {
        Start(Passing().Append(new("AfterReservations", "1")));
        var lifecycle = _portal.Services.GetRequiredService<ReservationLifecycle>();
        var queue = _portal.Services.GetRequiredService<ReservationQueue>();
        var health = _portal.Services.GetRequiredService<BoardHealthService>();
        var first = await _portal.CreateUserAsync("first@lab.test", "Health-Pass-123");
        var next = await _portal.CreateUserAsync("next@lab.test", "Health-Pass-123");
        var held = (await lifecycle.ReserveBoardAsync(first, Board, null, CancellationToken.None)).Reservation!;
        var queued = await queue.ReserveClassAsync(next, "pine64-a64-lts", new Dictionary<string, string> { ["usb"] = "yes" }, null, waitInQueue: true, CancellationToken.None);

        await lifecycle.ReleaseAsync(first, held.Id, CancellationToken.None);
        var granted = await EventuallyAsync(
            () => _portal.Services.GetRequiredService<ReservationQueries>().ListAsync(new ReservationFilter(UserId: next.UserId), CancellationToken.None),
            r => r.Count == 1,
            "the queued request's grant");
        var checks = await health.HistoryAsync(Board, CancellationToken.None);

        Assert.NotNull(queued.Queued);
        var check = Assert.Single(checks);
        Assert.Equal("after 1 reservation", check.Trigger);
        Assert.Equal(HealthCheckOutcome.Passed, check.Outcome);
        Assert.True(granted![0].GrantedAt >= check.FinishedAt, $"granted at {granted[0].GrantedAt:O}, the check ended at {check.FinishedAt:O}");
    }

    [SocatFact]
    public async Task AFailedTeardownRunsTheCheckInsteadOfLeavingTheBoardInAttention()
    {
        var script = Path.Combine(_portal.DataDirectory, "setup.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\n[ \"$1\" = release ] && { echo 'jail left behind'; exit 3; }\nexit 0\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _portal.WithSetting("Lab:SetupScript", script);
        Start(Passing().Append(new("AfterFailedTeardown", "true")));
        var lifecycle = _portal.Services.GetRequiredService<ReservationLifecycle>();
        var health = _portal.Services.GetRequiredService<BoardHealthService>();
        var user = await _portal.CreateUserAsync("teardown@lab.test", "Health-Pass-123");
        var held = (await lifecycle.ReserveBoardAsync(user, Board, null, CancellationToken.None)).Reservation!;
        await EventuallyAsync(() => _portal.Services.GetRequiredService<ReservationQueries>().GetAsync(held.Id, CancellationToken.None), r => r!.State == ReservationState.Active, "the setup");

        await lifecycle.ReleaseAsync(user, held.Id, CancellationToken.None);
        var done = await EventuallyAsync(() => health.GetAsync(Board, CancellationToken.None), h => h?.LastCheck is { Outcome: not HealthCheckOutcome.Running }, "the check");

        Assert.Equal("after a failed teardown", done!.LastCheck!.Trigger);
        Assert.Equal(BoardHealth.Good, done.Health);
        Assert.Equal(BoardState.Free, (await Catalog().GetBoardAsync(Board, CancellationToken.None))!.Board.State);
    }

    [SocatFact]
    public async Task TheHistoryKeepsTheLastFiftyChecksOfTheBoard()
    {
        Start(Failing());
        var health = _portal.Services.GetRequiredService<BoardHealthService>();
        await using (var db = await _portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync())
        {
            var boardId = await db.Boards.Where(b => b.Name == Board).Select(b => b.Id).SingleAsync();
            db.HealthChecks.AddRange(Enumerable.Range(1, HealthCheckRunner.HistoryPerBoard).Select(i => new HealthCheckRun
            {
                BoardId = boardId, ReservationId = 100_000 + i, Trigger = $"old {i}", Outcome = HealthCheckOutcome.Passed, StartedAt = DateTime.UtcNow.AddDays(-1),
            }));
            await db.SaveChangesAsync();
        }

        Assert.Null(await health.RequestCheckAsync(await _portal.AdminAsync(), Board, CancellationToken.None));
        var history = await EventuallyAsync(() => health.HistoryAsync(Board, CancellationToken.None), h => h[0].Trigger.StartsWith("on demand", StringComparison.Ordinal) && h[0].Outcome != HealthCheckOutcome.Running, "the new check");

        Assert.Equal(HealthCheckRunner.HistoryPerBoard, history!.Count);
        Assert.Equal("old 2", history[^1].Trigger);
    }

    [SocatFact]
    public async Task MaintenanceNeedsACommentKeepsTheBoardOutOfThePoolAndItsEndRunsTheCheck()
    {
        Start(Passing());
        var admin = await _portal.TokenClientAsync(PortalFactory.AdminEmail);
        var user = await _portal.TokenClientAsync("user@lab.test");
        var health = _portal.Services.GetRequiredService<BoardHealthService>();

        var noComment = await admin.PutAsJsonAsync($"/api/v1/admin/boards/{Board}/maintenance", new { comment = " " });
        var notAdmin = await user.PutAsJsonAsync($"/api/v1/admin/boards/{Board}/maintenance", new { comment = "mine now" });
        var set = await admin.PutAsJsonAsync($"/api/v1/admin/boards/{Board}/maintenance", new { comment = "replacing the SD card" });
        var reserve = await user.PostAsJsonAsync("/api/v1/reservations", new { board = Board });
        var check = await admin.PostAsync($"/api/v1/admin/boards/{Board}/health-check", null);
        var ended = await admin.DeleteAsync($"/api/v1/admin/boards/{Board}/maintenance");
        var done = await EventuallyAsync(() => health.GetAsync(Board, CancellationToken.None), h => h?.LastCheck is { Outcome: not HealthCheckOutcome.Running }, "the check after maintenance");

        Assert.Equal(HttpStatusCode.BadRequest, noComment.StatusCode);
        Assert.Contains("A maintenance needs a comment of 1 to 500 characters saying why.", await noComment.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        Assert.Equal("maintenance", (await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("health").GetString());
        Assert.Equal(HttpStatusCode.Conflict, reserve.StatusCode);
        Assert.Contains($"Board {Board} is in maintenance: replacing the SD card.", await reserve.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, check.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal("back from maintenance", done!.LastCheck!.Trigger);
        Assert.Equal(BoardHealth.Good, done.Health);
    }

    [SocatFact]
    public async Task AConsoleThatGoesAwayMakesTheBoardOfflineUntilItAnswersAgain()
    {
        await using var pty = new PtyPair(_portal.DataDirectory);
        _portal.WithSetting("Lab:Boards:1:Console:Driver", "serial").WithSetting("Lab:Boards:1:Console:Device", pty.Device)
            .WithSetting("Consoles:ReconnectDelay", "00:00:00.200");
        _portal.StartServer();
        var catalog = Catalog();
        await using var watcher = _portal.Services.GetRequiredService<ConsoleBroker>().Watch("pine-02", _ => Task.CompletedTask)!;

        var unplugged = await EventuallyAsync(() => catalog.GetBoardAsync("pine-02", CancellationToken.None), b => b!.Board.State == BoardState.Offline, "offline");
        var refused = await _portal.Services.GetRequiredService<ReservationLifecycle>()
            .ReserveBoardAsync(await _portal.CreateUserAsync("u@lab.test", "Health-Pass-123"), "pine-02", null, CancellationToken.None);
        await pty.StartAsync();
        var back = await EventuallyAsync(() => catalog.GetBoardAsync("pine-02", CancellationToken.None), b => b!.Board.State == BoardState.Free, "free again");

        Assert.Equal($"console lost: {pty.Device} not found", unplugged!.OfflineReason);
        Assert.Equal($"Board pine-02 is offline: console lost: {pty.Device} not found.", refused.Error?.Detail);
        Assert.Null(back!.OfflineReason);
    }

    [SnmpdFact]
    public async Task APowerSwitchThatStopsAnsweringMakesTheBoardOfflineWithItsSentence()
    {
        var snmpd = new SnmpdFixture();
        await snmpd.InitializeAsync();
        _portal.WithSetting("Lab:Boards:1:Power:Driver", "snmp").WithSetting("Lab:Boards:1:Power:Host", "127.0.0.1")
            .WithSetting("Lab:Boards:1:Power:AgentPort", snmpd.AgentPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithSetting("Lab:Boards:1:Power:Port", "2").WithSetting("Lab:Boards:1:Power:Community", "private")
            .WithSetting("Lab:Boards:1:Power:TimeoutMs", "300").WithSetting("Lab:Boards:1:Power:Retries", "0");
        var api = await _portal.TokenClientAsync("watcher@lab.test");

        var answering = await api.GetFromJsonAsync<JsonElement>("/api/v1/boards/pine-02");
        await snmpd.DisposeAsync();
        var silent = await api.GetFromJsonAsync<JsonElement>("/api/v1/boards/pine-02");
        var offline = await EventuallyAsync(() => Catalog().GetBoardAsync("pine-02", CancellationToken.None), b => b!.Board.State == BoardState.Offline, "offline");

        Assert.Equal("free", answering.GetProperty("state").GetString());
        Assert.Equal("off", answering.GetProperty("power").GetString());
        var sentence = silent.GetProperty("powerError").GetString();
        Assert.StartsWith($"power switch 127.0.0.1:{snmpd.AgentPort} did not answer", sentence);
        Assert.Equal(sentence, offline!.OfflineReason);
    }

    // pine-01's own check: cycle, the login prompt, then a command typed into bash and its answer.
    private static IEnumerable<KeyValuePair<string, string>> Passing() =>
    [
        new("Steps:0:Power", "cycle"),
        new("Steps:1:Expect", "board login: $"),
        new("Steps:1:Timeout", "00:00:30"),
        new("Steps:2:Send", "echo health-$((6*7))"),
        new("Steps:3:Expect", "health-42"),
        new("Steps:3:Timeout", "00:00:30"),
    ];

    private static IEnumerable<KeyValuePair<string, string>> Failing() =>
    [
        new("Steps:0:Power", "cycle"),
        new("Steps:1:Expect", "kernel: all good"),
        new("Steps:1:Timeout", "00:00:02"),
        new("MaxFailuresInRow", "2"),
    ];

    private void Start(IEnumerable<KeyValuePair<string, string>> check)
    {
        foreach (var (key, value) in check)
        {
            _portal.WithSetting($"Lab:Boards:0:HealthCheck:{key}", value);
        }

        _board.Configure(_portal, index: 0);
        _portal.StartServer();
    }

    private LabCatalog Catalog() => _portal.Services.GetRequiredService<LabCatalog>();

    private static MeterListener ListenToHealthChecks(List<(string Board, string Outcome)> results)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Observability.PortalMetrics.MeterName && instrument.Name == "portal.health_checks")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var found = tags.ToArray().ToDictionary(t => t.Key, t => t.Value as string);
            lock (results)
            {
                results.Add((found["board"]!, found["outcome"]!));
            }
        });
        listener.Start();
        return listener;
    }

    private static async Task<T?> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited 60 s for {what}; last seen: {value}");
            }

            await Task.Delay(100);
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }
}
