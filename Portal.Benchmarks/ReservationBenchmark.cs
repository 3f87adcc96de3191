using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Api;
using Portal.Identity;

namespace Portal.Benchmarks;

/// <summary>
/// Reservation throughput of the portal's HTTP API against the ceiling of the same check-and-insert in plain SQLite;
/// given a PostgreSQL server, the portal on it too.
/// </summary>
internal sealed class ReservationBenchmark(int clients, TimeSpan duration, string? postgres)
{
    public const string Usage = "reservations [clients=16] [seconds=10] [postgres-connection-string]";

    private const int Boards = 10;

    // Long enough for .NET's tiered JIT to recompile the portal's hot paths: measured after 3 s, the portal gave half its
    // steady rate (the plain SQLite loop is warm within a second).
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(15);

    public static Task<int> RunAsync(string[] args) =>
        new ReservationBenchmark(
            args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 16,
            TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10),
            args.Length > 2 ? args[2] : null).RunAsync();

    private async Task<int> RunAsync()
    {
        var directory = Directory.CreateTempSubdirectory("portal-bench-").FullName;
        try
        {
            var portal = await PortalRun(directory, null);
            var onPostgres = postgres is null ? null : await PostgresPortalRun(directory, postgres);
            var ceiling = await SqliteCeilingRun(Path.Combine(directory, "ceiling.db"));
            Console.WriteLine($"clients {clients}, boards {Boards}, {duration.TotalSeconds:0} s each, on {Environment.ProcessorCount} cores");
            Print("portal HTTP API", portal);
            if (onPostgres is not null)
            {
                Print("portal on PG   ", onPostgres);
            }

            Print("plain SQLite   ", ceiling);
            Console.WriteLine($"portal / ceiling: {portal.PerSecond / ceiling.PerSecond:0.00}x of the grants per second");
            return portal.DoubleBookings + ceiling.DoubleBookings + (onPostgres?.DoubleBookings ?? 0) == 0 ? 0 : 1;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void Print(string name, ReservationResult r) => Console.WriteLine(
        $"{name}: {r.PerSecond,8:0.0} grants/s, reserve p50 {r.P50.TotalMilliseconds,6:0.00} ms, p99 {r.P99.TotalMilliseconds,6:0.00} ms, {r.Attempts} attempts, double bookings: {r.DoubleBookings}, CPU {r.Cores:0.00} cores, {r.AllocatedPerGrant / 1024} KiB allocated per grant");

    /// <summary>The same run with the portal on a new database of that server, dropped afterwards.</summary>
    private async Task<ReservationResult> PostgresPortalRun(string directory, string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString) { Database = $"portal_bench_{Guid.NewGuid():N}" };
        try
        {
            return await PortalRun(directory, database.ConnectionString);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var server = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ConnectionString);
            await server.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database.Database}\" WITH (FORCE)", server);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private async Task<ReservationResult> PortalRun(string directory, string? postgres)
    {
        // After the demo lab's boards, so that none of these inherits a demo board's drivers (its QEMU, say).
        var lab = new Dictionary<string, string?> { ["Lab:Classes:bench:Arch"] = "arm64" };
        if (postgres is not null)
        {
            lab["ConnectionStrings:Portal"] = postgres;
        }

        for (var i = 0; i < Boards; i++)
        {
            lab[$"Lab:Boards:{100 + i}:Name"] = $"bench-{i}";
            lab[$"Lab:Boards:{100 + i}:Class"] = "bench";
        }

        await using var factory = new BenchmarkPortal(directory, lab);
        var address = factory.StartOnLoopback();
        var users = factory.Services.GetRequiredService<UserAdminService>();
        var tokens = factory.Services.GetRequiredService<AccessTokenService>();
        var http = new List<HttpClient>();
        var admin = await factory.AdminAsync();
        for (var i = 0; i < clients; i++)
        {
            await users.CreateAsync(admin, new NewUser($"bench{i}@lab.test", "Bench-Pass-123", false, []), CancellationToken.None);
            var id = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == $"bench{i}@lab.test").Id;
            var client = new HttpClient { BaseAddress = new Uri(address) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await tokens.CreateAsync(id, "bench", null, CancellationToken.None)).Secret);
            http.Add(client);
        }

        return await MeasureAsync(async (client, board) =>
        {
            var response = await http[client].PostAsJsonAsync("api/v1/reservations", new ReserveRequest($"bench-{board}", null, null, null));
            if (response.StatusCode != HttpStatusCode.Created)
            {
                return null;
            }

            var id = (await response.Content.ReadFromJsonAsync<ApiReservation>())!.Id;
            return () => http[client].DeleteAsync($"api/v1/reservations/{id}");
        });
    }

    private async Task<ReservationResult> SqliteCeilingRun(string database)
    {
        var connectionString = $"Data Source={database};Pooling=True";
        await using (var setup = new SqliteConnection(connectionString))
        {
            await setup.OpenAsync();
            var create = setup.CreateCommand();
            create.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE reservation (id INTEGER PRIMARY KEY, board INTEGER NOT NULL, active_board INTEGER UNIQUE, user TEXT NOT NULL, expires TEXT NOT NULL);";
            await create.ExecuteNonQueryAsync();
        }

        return await MeasureAsync(async (client, board) =>
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync();
            var check = connection.CreateCommand();
            check.CommandText = "SELECT EXISTS (SELECT 1 FROM reservation WHERE active_board = $board)";
            check.Parameters.AddWithValue("$board", board);
            if ((long)(await check.ExecuteScalarAsync())! == 1)
            {
                return null;
            }

            var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO reservation (board, active_board, user, expires) VALUES ($board, $board, $user, $expires) RETURNING id";
            insert.Parameters.AddWithValue("$board", board);
            insert.Parameters.AddWithValue("$user", $"bench{client}");
            insert.Parameters.AddWithValue("$expires", DateTime.UtcNow.AddHours(1).ToString("O"));
            long id;
            try
            {
                id = (long)(await insert.ExecuteScalarAsync())!;
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19)
            {
                return null; // the unique index turned away a second holder
            }

            return async () =>
            {
                await using var release = new SqliteConnection(connectionString);
                await release.OpenAsync();
                var update = release.CreateCommand();
                update.CommandText = "UPDATE reservation SET active_board = NULL WHERE id = $id";
                update.Parameters.AddWithValue("$id", id);
                await update.ExecuteNonQueryAsync();
            };
        });
    }

    // Each client loops: reserve a random board; when granted, check nobody else holds it, then release it. The first
    // seconds are not measured: they compile the portal's code and queries and fill the connection pools (both sides alike).
    private async Task<ReservationResult> MeasureAsync(Func<int, int, Task<Func<Task>?>> reserve)
    {
        var warmup = new Measurement();
        await LoopAsync(reserve, Warmup, warmup);
        var measured = new Measurement();
        // The process's CPU time over the measured seconds, clients included: what limits a run that uses both cores.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        await LoopAsync(reserve, duration, measured);
        var elapsed = clock.Elapsed;
        var cores = (Process.GetCurrentProcess().TotalProcessorTime - cpu) / elapsed;
        var perGrant = (GC.GetTotalAllocatedBytes() - allocated) / Math.Max(1, measured.Grants);
        var sorted = measured.Latencies.Order().ToList();
        return new ReservationResult(
            measured.Grants / elapsed.TotalSeconds, sorted[sorted.Count / 2], sorted[(int)(sorted.Count * 0.99)], sorted.Count, warmup.DoubleBookings + measured.DoubleBookings, cores, perGrant);
    }

    private Task LoopAsync(Func<int, int, Task<Func<Task>?>> reserve, TimeSpan length, Measurement measured)
    {
        var holders = new ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        return Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            while (clock.Elapsed < length)
            {
                var board = Random.Shared.Next(Boards);
                var started = Stopwatch.GetTimestamp();
                var release = await reserve(client, board);
                measured.Latencies.Add(Stopwatch.GetElapsedTime(started));
                if (release is null)
                {
                    continue;
                }

                Interlocked.Increment(ref measured.Grants);
                if (!holders.TryAdd(board, client))
                {
                    Interlocked.Increment(ref measured.DoubleBookings);
                }

                // Forget the holder before releasing: until the release commits nobody else can be granted the board.
                holders.TryRemove(new KeyValuePair<int, int>(board, client));
                await release();
            }
        })));
    }

    private sealed class Measurement
    {
        public readonly ConcurrentBag<TimeSpan> Latencies = [];
        public int Grants;
        public int DoubleBookings;
    }
}

internal sealed record ReservationResult(double PerSecond, TimeSpan P50, TimeSpan P99, int Attempts, int DoubleBookings, double Cores, long AllocatedPerGrant);
