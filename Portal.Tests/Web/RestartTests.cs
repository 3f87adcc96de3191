using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Portal.Api;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>
/// A portal killed with SIGKILL loses nothing: leases, their expiry and the queue's order survive a restart, and a
/// setup or teardown the kill interrupted runs again and finishes. On SQLite and on PostgreSQL.
/// </summary>
public sealed class RestartTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-kill-").FullName;
    private PortalDatabase? _database;

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's IAsyncDisposable.
    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(PortalDatabase.Sqlite)]
    [PostgresData]
    public async Task KilledPortalContinuesLeasesExpiresOverdueOnesFinishesSetupsAndTeardownsAndKeepsTheQueueOrder(string database)
    {
        var scriptLog = Path.Combine(_directory, "script.log");
        var keyFiles = Path.Combine(_directory, "key-files");
        var script = Path.Combine(_directory, "setup.sh");
        var restarted = Path.Combine(_directory, "restarted");

        // pine-01's setup and pine-02's teardown hang until the portal has been restarted: the kill finds them running.
        await File.WriteAllTextAsync(script, $"""
            #!/bin/sh
            echo "$PORTAL_SSH_KEYS" >> {keyFiles}
            echo "$1 $2 $PORTAL_USER" >> {scriptLog}
            case "$1 $2" in
              "reserve pine-01"|"release pine-02") while [ ! -e {restarted} ]; do sleep 0.1; done ;;
            esac
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = Database(database),
            ["Portal:Admin:Password"] = PortalFactory.AdminPassword,
            ["Lab:SetupScript"] = script,
            ["Consoles:LogDirectory"] = Path.Combine(_directory, "console-logs"),
        };

        // Users and their tokens, made the way an admin and the Tokens page make them.
        var secrets = new Dictionary<string, string>();
        await using (var setup = new PortalFactory().WithSetting("ConnectionStrings:Portal", settings["ConnectionStrings:Portal"]))
        {
            foreach (var user in new[] { "alice", "bob", "carol", "dave", "erin", "frank", "gina" })
            {
                secrets[user] = await setup.CreateTokenAsync($"{user}@lab.test");
            }
        }

        SqliteConnection.ClearAllPools();
        ApiReservation alice, bob, erin, frank;
        await using (var first = await PortalProcess.StartAsync(settings))
        {
            alice = await ReserveAsync(first, secrets["alice"], new ReserveRequest("rpi-01", null, null, LeaseMinutes: 60));
            bob = await ReserveAsync(first, secrets["bob"], new ReserveRequest("rpi-02", null, null, LeaseMinutes: 0.1));
            Assert.Equal(HttpStatusCode.Accepted, (await Client(first, secrets["carol"]).PostAsJsonAsync("api/v1/reservations", new ReserveRequest(null, "rpi4", null, 60, Wait: true))).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await Client(first, secrets["dave"]).PostAsJsonAsync("api/v1/reservations", new ReserveRequest(null, "rpi4", null, 60, Wait: true))).StatusCode);
            erin = await ReserveAsync(first, secrets["erin"], new ReserveRequest("pine-01", null, null, LeaseMinutes: 60));
            frank = await ReserveAsync(first, secrets["frank"], new ReserveRequest("pine-02", null, null, LeaseMinutes: 60));
            await Poll.UntilAsync(() => StateAsync(first, secrets["frank"], frank.Id), state => state == "active");
            Assert.Equal(HttpStatusCode.OK, (await Client(first, secrets["frank"]).DeleteAsync($"api/v1/reservations/{frank.Id}")).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await Client(first, secrets["gina"]).PostAsJsonAsync("api/v1/reservations", new ReserveRequest(null, "pine64-a64-lts", null, 60, Wait: true))).StatusCode);
            Assert.Equal("preparing", await StateAsync(first, secrets["erin"], erin.Id));
            Assert.Equal("releasing", await StateAsync(first, secrets["frank"], frank.Id));

            // The kill must find both scripts running, not merely their reservations waiting for them.
            var running = await Poll.UntilAsync(
                async () => File.Exists(scriptLog) ? await File.ReadAllLinesAsync(scriptLog) : [],
                lines => lines.Contains("reserve pine-01 erin@lab.test") && lines.Contains("release pine-02 frank@lab.test"));
            Assert.Contains("release pine-02 frank@lab.test", running);
            await first.KillAsync();
        }

        var killedPortalsKeyFiles = await File.ReadAllLinesAsync(keyFiles);

        // Bob's 6-second lease runs out while no portal is running.
        var overdue = bob.ExpiresAt - DateTime.UtcNow;
        if (overdue > TimeSpan.Zero)
        {
            await Task.Delay(overdue + TimeSpan.FromMilliseconds(200));
        }

        await File.WriteAllTextAsync(restarted, "");
        await using var second = await PortalProcess.StartAsync(settings);
        var carol = Client(second, secrets["carol"]);
        var carolsBoards = await Poll.UntilAsync(async () => (await carol.GetFromJsonAsync<List<ApiReservation>>("api/v1/reservations?active=true"))!, r => r.Count == 1);

        var aliceNow = await Client(second, secrets["alice"]).GetFromJsonAsync<ApiReservation>($"api/v1/reservations/{alice.Id}");
        var bobNow = await Client(second, secrets["bob"]).GetFromJsonAsync<ApiReservation>($"api/v1/reservations/{bob.Id}");
        var davesQueue = await Client(second, secrets["dave"]).GetFromJsonAsync<List<ApiQueueEntry>>("api/v1/queue");
        Assert.Equal(("active", alice.ExpiresAt), (aliceNow!.State, aliceNow.ExpiresAt));
        Assert.Equal("expired", bobNow!.State);
        Assert.Equal("rpi-02", carolsBoards.Single().Board);
        Assert.Equal(1, davesQueue!.Single().Position);
        Assert.Contains("release rpi-02 bob@lab.test", await File.ReadAllTextAsync(scriptLog));
        Assert.Contains("reserve rpi-02 carol@lab.test", await File.ReadAllTextAsync(scriptLog));

        // The setup the kill interrupted ran again and finished; so did the teardown, and then the queue was served.
        Assert.Equal("active", await Poll.UntilAsync(() => StateAsync(second, secrets["erin"], erin.Id), state => state == "active"));
        Assert.Equal("released", await Poll.UntilAsync(() => StateAsync(second, secrets["frank"], frank.Id), state => state == "released"));
        var ginasBoards = await Poll.UntilAsync(async () => (await Client(second, secrets["gina"]).GetFromJsonAsync<List<ApiReservation>>("api/v1/reservations?active=true"))!, r => r.Count == 1);
        Assert.Equal("pine-02", ginasBoards.Single().Board);
        var calls = await File.ReadAllLinesAsync(scriptLog);
        Assert.Equal(2, calls.Count(c => c == "reserve pine-01 erin@lab.test"));
        Assert.Equal(2, calls.Count(c => c == "release pine-02 frank@lab.test"));

        // The key files the kill left behind went with their folder when the next portal ran its first script.
        Assert.All(killedPortalsKeyFiles, file => Assert.False(Directory.Exists(Path.GetDirectoryName(file)), $"{file}'s folder is still there"));
    }

    [Theory]
    [InlineData(PortalDatabase.Sqlite)]
    [PostgresData]
    public async Task AHealthCheckTheKillInterruptedRunsAgainAtTheNextStart(string database)
    {
        var restarted = Path.Combine(_directory, "restarted");
        var cycles = Path.Combine(_directory, "cycles");
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = Database(database),
            ["Portal:Admin:Password"] = PortalFactory.AdminPassword,
            ["Consoles:LogDirectory"] = Path.Combine(_directory, "console-logs"),
            ["Lab:Boards:0:Power:Driver"] = "command",
            ["Lab:Boards:0:Power:On"] = "true",
            ["Lab:Boards:0:Power:Off"] = "true",
            // The check's power cycle hangs until the portal has been restarted: the kill finds the check running.
            ["Lab:Boards:0:Power:Cycle"] = $"echo cycle >> {cycles}; while [ ! -e {restarted} ]; do sleep 0.1; done",
            ["Lab:Boards:0:HealthCheck:Steps:0:Power"] = "cycle",
        };
        string secret;
        await using (var setup = new PortalFactory().WithSetting("ConnectionStrings:Portal", settings["ConnectionStrings:Portal"]))
        {
            secret = await setup.CreateTokenAsync(PortalFactory.AdminEmail);
        }

        SqliteConnection.ClearAllPools();
        await using (var first = await PortalProcess.StartAsync(settings))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await Client(first, secret).PostAsync("api/v1/admin/boards/pine-01/health-check", null)).StatusCode);
            await Poll.UntilAsync(() => Task.FromResult(File.Exists(cycles)), cycled => cycled);
            Assert.Equal("checking", await BoardStateAsync(first, secret));
            await first.KillAsync();
        }

        await File.WriteAllTextAsync(restarted, "");
        await using var second = await PortalProcess.StartAsync(settings);
        var health = await Poll.UntilAsync(
            async () => await Client(second, secret).GetFromJsonAsync<ApiBoardHealth>("api/v1/boards/pine-01/health"),
            h => h!.Health == "good");

        var check = Assert.Single(health!.Checks);
        Assert.Equal("passed", check.Outcome);
        Assert.Equal($"on demand by {PortalFactory.AdminEmail}", check.Trigger);
        Assert.Equal(2, File.ReadAllLines(cycles).Length);
        Assert.Equal("free", await BoardStateAsync(second, secret));
    }

    private string Database(string provider)
    {
        _database = PortalDatabase.Create(provider, _directory);
        return _database.ConnectionString;
    }

    private static async Task<string?> BoardStateAsync(PortalProcess portal, string secret) =>
        (await Client(portal, secret).GetFromJsonAsync<ApiBoardDetail>("api/v1/boards/pine-01"))!.State;

    private static async Task<string> StateAsync(PortalProcess portal, string secret, int reservationId) =>
        (await Client(portal, secret).GetFromJsonAsync<ApiReservation>($"api/v1/reservations/{reservationId}"))!.State;

    private static HttpClient Client(PortalProcess portal, string secret)
    {
        var client = new HttpClient { BaseAddress = portal.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    private static async Task<ApiReservation> ReserveAsync(PortalProcess portal, string secret, ReserveRequest request)
    {
        var response = await Client(portal, secret).PostAsJsonAsync("api/v1/reservations", request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ApiReservation>())!;
    }
}
