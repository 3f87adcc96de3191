using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Api;
using Portal.Cluster;
using Portal.Consoles;
using Portal.Events;
using Portal.Identity;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Cluster;

/// <summary>
/// Two portals in this process on one PostgreSQL database, as two instances behind a load balancer would be: the
/// events, a board's console and the singleton jobs across them. (The three-process test behind nginx is ClusterTests.)
/// </summary>
public sealed class ClusterCoreTests : IAsyncLifetime
{
    private readonly BashBoard _board = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-cluster-").FullName;
    private PortalDatabase? _database;
    private PortalFactory _first = null!;
    private PortalFactory _second = null!;

    public async Task InitializeAsync()
    {
        if (!PostgresServer.Available)
        {
            return;
        }

        await _board.StartAsync();
        _database = PortalDatabase.Create(PortalDatabase.Postgres, _directory);
        _first = _board.Configure(new PortalFactory(), 0).WithSetting("ConnectionStrings:Portal", _database.ConnectionString);
        await StartAsync(_first);
        _second = _board.Configure(new PortalFactory(), 0).WithSetting("ConnectionStrings:Portal", _database.ConnectionString);
        await StartAsync(_second);
    }

    public async Task DisposeAsync()
    {
        if (_second is not null)
        {
            await _second.DisposeAsync();
        }

        if (_first is not null)
        {
            await _first.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        await _board.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [PostgresFact]
    public async Task AReservationMadeOnOneInstanceReachesThePagesOfTheOtherEvenAfterAMessageItCouldNotRead()
    {
        using var page = _second.Services.GetRequiredService<LabEvents>().Subscribe(e => e.IsAboutBoard("pine-01"));
        var user = await _first.CreateUserAsync("ada@example.com", "Ada-Pass-12345");
        // As an instance of another version might send: skipped by the receiver, which goes on with what follows.
        _first.Services.GetRequiredService<ClusterNotifications>().Send(ClusterNotifications.EventsChannel, "{\"Instance\": 42, \"Event\": [");

        var outcome = await _first.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(user, "pine-01", null, CancellationToken.None);
        Assert.True(outcome.Reservation is not null, outcome.Error?.Detail);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<LabEvent>();
        while (!seen.OfType<ReservationChanged>().Any(r => r.Board == "pine-01" && r.UserId == user.UserId && r.Granted))
        {
            var batch = await page.NextBatchAsync(timeout.Token);
            seen.AddRange(batch!.Events);
        }
    }

    [PostgresFact]
    public async Task ATokenRevokedOnOneInstanceIsRefusedByTheOtherEvenWhenItMissedTheNews()
    {
        var secret = await _first.CreateTokenAsync("roamer@example.com");
        var client = _second.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/boards")).StatusCode);

        // The instances stop hearing each other for a moment (their listening connections end), and the revocation's
        // notification goes out meanwhile: the second instance never gets it.
        await using (var connection = new NpgsqlConnection(_database!.ConnectionString))
        {
            await connection.OpenAsync();
            await using var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()", connection);
            Assert.Equal(2L, await terminate.ExecuteScalarAsync());
        }

        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var tokens = _first.Services.GetRequiredService<AccessTokenService>();
        var userId = (await _first.Services.GetRequiredService<UserAdminService>().ListAsync(CancellationToken.None)).Single(u => u.Email == "roamer@example.com").Id;
        Assert.True(await tokens.RevokeAsync(userId, (await tokens.ListAsync(userId, CancellationToken.None)).Single().Id, CancellationToken.None));

        // Listening again, it reads what it kept of tokens and rights anew.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((await client.GetAsync("/api/v1/boards", timeout.Token)).StatusCode != HttpStatusCode.Unauthorized)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }

    [PostgresFact]
    public async Task ABoardsConsoleIsReadByOneInstanceFollowedByTheOtherAndTakenOverWhenItsOwnerGoes()
    {
        var onFirst = Watch(_first);
        await onFirst.Watcher.WriteAsync("echo first-$((6*7))\r"u8.ToArray(), CancellationToken.None);
        await onFirst.WaitForAsync("first-42");

        // The second instance follows: the scrollback it shows comes from the first, and so does its input's echo.
        var onSecond = Watch(_second);
        await onSecond.WaitForAsync("first-42");
        await onSecond.Watcher.WriteAsync("echo second-$((6*9))\r"u8.ToArray(), CancellationToken.None);
        await onFirst.WaitForAsync("second-54");
        await onSecond.WaitForAsync("second-54");

        // The owner goes; the follower takes the device over and says so, and typing there still reaches the board.
        await _first.DisposeAsync();
        _first = null!;
        await onSecond.WaitForAsync("[console moved]", TimeSpan.FromSeconds(10));
        await onSecond.Watcher.WriteAsync("echo after-$((5*5))\r"u8.ToArray(), CancellationToken.None);
        await onSecond.WaitForAsync("after-25");
        Assert.Single(Occurrences(onSecond.Text, "first-42\r\n"));
    }

    [PostgresFact]
    public async Task ASingletonJobIsLedByOneInstanceAndTakenOverWhenItsLeaderGoes()
    {
        var led = new List<string>();
        using var stopping = new CancellationTokenSource();
        Task Lead(PortalFactory portal, string name) => portal.Services.GetRequiredService<ILeadership>().LeadAsync("test-job", async leading =>
        {
            lock (led)
            {
                led.Add(name);
            }

            await Task.Delay(Timeout.Infinite, leading);
        }, stopping.Token);

        var first = Lead(_first, "first");
        await WaitUntilAsync(() => led.Count == 1);
        var second = Lead(_second, "second");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(["first"], led);

        await _first.DisposeAsync();
        _first = null!;
        await WaitUntilAsync(() => led.Count == 2);
        Assert.Equal(["first", "second"], led);
        await stopping.CancelAsync();
        await Task.WhenAll(first, second);
    }

    [PostgresFact]
    public async Task ABoardsScriptsRunOneAtATimeAcrossTheInstances()
    {
        var held = await _first.Services.GetRequiredService<ILeadership>().HoldAsync("lifecycle:pine-01", CancellationToken.None);
        var waiting = _second.Services.GetRequiredService<ILeadership>().HoldAsync("lifecycle:pine-01", CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted);

        await held.DisposeAsync();
        await (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).DisposeAsync();
    }

    private static async Task StartAsync(PortalFactory portal)
    {
        using var client = portal.CreateClient();
        (await client.GetAsync("/healthz/ready")).EnsureSuccessStatusCode();
    }

    private static OutputCollector Watch(PortalFactory portal)
    {
        var collector = new OutputCollector();
        collector.Watcher = portal.Services.GetRequiredService<ConsoleBroker>().Watch("pine-01", data => collector.Deliver(data, acknowledge: true))!;
        return collector;
    }

    private static IEnumerable<int> Occurrences(string text, string part)
    {
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal))
        {
            yield return at;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "waited 15 s");
            await Task.Delay(50);
        }
    }
}
