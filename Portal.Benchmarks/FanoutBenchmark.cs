using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Portal.Components.Circuits;

namespace Portal.Benchmarks;

/// <summary>
/// Whether open pages slow down a reservation: reserve+release latency through the HTTP API with 0, then N1, N2...
/// live pages open (half Boards pages, half the page of the board being reserved, real Blazor circuits from a separate
/// process, see <see cref="HeadlessCircuit"/>), and the portal's memory per open page.
/// </summary>
internal static class FanoutBenchmark
{
    public const string Usage = "fanout [iterations=300] [pages=0,50,200]";

    public const string PagesUsage = "fanout-pages ADDRESS EMAIL PASSWORD (the fanout benchmark's page process; reads 'open N' lines)";

    private const string Board = "pine-01";
    private const string ViewerEmail = "viewer@lab.test";
    private const string ViewerPassword = "Viewer-Pass-123";

    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(string[] args)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
        var levels = (args.Length > 1 ? args[1] : "0,50,200").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
        var directory = Directory.CreateTempSubdirectory("portal-fanout-").FullName;
        try
        {
            // One viewer opens every page: the per-user circuit limit must not refuse them.
            await using var portal = new BenchmarkPortal(directory, new Dictionary<string, string?>
            {
                ["Circuits:MaxPerUser"] = Math.Max(levels.Max(), new CircuitLimitOptions().MaxPerUser).ToString(CultureInfo.InvariantCulture),
                ["Circuits:MaxTotal"] = Math.Max(levels.Max(), new CircuitLimitOptions().MaxTotal).ToString(CultureInfo.InvariantCulture),
            });
            var address = portal.StartOnLoopback();
            var api = await ApiClientAsync(portal, address);
            await portal.Services.GetRequiredService<UserAdminService>()
                .CreateAsync(await portal.AdminAsync(), new NewUser(ViewerEmail, ViewerPassword, false, []), CancellationToken.None);

            using var pages = StartPageProcess(address);
            Console.WriteLine($"fanout benchmark: {iterations} reserve+release of {Board} through the API per level, each level after {Warmup.TotalSeconds:0} s of them unmeasured with its pages open, on {Environment.ProcessorCount} cores");
            Console.WriteLine("open pages   p50 (ms)   p99 (ms)   managed heap (MiB)   RSS (MiB)   page renders per reserve+release");
            var results = new List<(int Pages, TimeSpan P50, TimeSpan P99, double Heap, double Rss)>();
            var open = 0;
            foreach (var level in levels)
            {
                if (level > open)
                {
                    await pages.OpenAsync(level - open);
                    open = level;
                }

                // Each level is measured warm: until .NET's tiered JIT has recompiled the hot paths, the requests (and,
                // with pages open, the pages' reloads and renders) are slower, and the first seconds after opening
                // hundreds of pages are their first loads, not the live updates this measures.
                var warming = Stopwatch.StartNew();
                while (warming.Elapsed < Warmup)
                {
                    await MeasureAsync(api, 10);
                }

                var (heap, rss) = ServerMemory();
                var rendersBefore = await pages.RenderBatchesAsync();
                var latencies = await MeasureAsync(api, iterations);
                // Let the pages catch up before counting what they received.
                await Task.Delay(TimeSpan.FromSeconds(2));
                var renders = (await pages.RenderBatchesAsync() - rendersBefore) / (double)iterations;
                var (p50, p99) = (Percentile(latencies, 0.5), Percentile(latencies, 0.99));
                results.Add((level, p50, p99, heap, rss));
                Console.WriteLine($"{level,10} {p50.TotalMilliseconds,10:0.0} {p99.TotalMilliseconds,10:0.0} {heap,20:0.0} {rss,11:0.0} {renders,34:0.0}");
            }

            var none = results[0];
            var most = results[^1];
            if (none.Pages == 0 && most.Pages > 0)
            {
                Console.WriteLine($"p50 with {most.Pages} pages / p50 with none: {most.P50 / none.P50:0.00}x (target 1.2x)");
                Console.WriteLine($"server memory per open page: managed heap {(most.Heap - none.Heap) * 1024 / most.Pages:0} KiB, RSS {(most.Rss - none.Rss) * 1024 / most.Pages:0} KiB (target 550 KiB)");
            }

            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The page process: logs in as the viewer and opens pages, alternating Boards and the board's own page.</summary>
    public static async Task<int> RunPagesAsync(string[] args)
    {
        var (address, email, password) = (new Uri(args[0]), args[1], args[2]);
        var cookies = new CookieContainer();
        await HeadlessCircuit.LogInAsync(address, cookies, email, password);
        var circuits = new List<HeadlessCircuit>();
        while (Console.ReadLine() is { } command)
        {
            if (command.StartsWith("open ", StringComparison.Ordinal))
            {
                var count = int.Parse(command[5..], CultureInfo.InvariantCulture);
                for (var i = 0; i < count; i++)
                {
                    var path = circuits.Count % 2 == 0 ? "boards" : $"boards/{Board}";
                    circuits.Add(await HeadlessCircuit.OpenAsync(address, path, cookies, null, CancellationToken.None));
                }

                Console.WriteLine($"opened {circuits.Count}");
            }
            else if (command == "renders")
            {
                Console.WriteLine($"renders {circuits.Sum(c => c.RenderBatches)}");
            }
        }

        foreach (var circuit in circuits)
        {
            await circuit.DisposeAsync();
        }

        return 0;
    }

    private static async Task<HttpClient> ApiClientAsync(BenchmarkPortal portal, string address)
    {
        var users = portal.Services.GetRequiredService<UserAdminService>();
        await users.CreateAsync(await portal.AdminAsync(), new NewUser("api@lab.test", "Api-Pass-12345", false, []), CancellationToken.None);
        var id = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == "api@lab.test").Id;
        var token = await portal.Services.GetRequiredService<AccessTokenService>().CreateAsync(id, "fanout", null, CancellationToken.None);
        var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Secret);
        return client;
    }

    private static async Task<List<TimeSpan>> MeasureAsync(HttpClient api, int iterations)
    {
        var latencies = new List<TimeSpan>(iterations);
        for (var i = 0; i < iterations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var reserved = await api.PostAsJsonAsync("api/v1/reservations", new ReserveRequest(Board, null, null, null));
            if (reserved.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"reserve answered {(int)reserved.StatusCode}: {await reserved.Content.ReadAsStringAsync()}");
            }

            var id = (await reserved.Content.ReadFromJsonAsync<ApiReservation>())!.Id;
            var released = await api.DeleteAsync($"api/v1/reservations/{id}");
            released.EnsureSuccessStatusCode();
            latencies.Add(Stopwatch.GetElapsedTime(started));
        }

        return latencies;
    }

    private static TimeSpan Percentile(List<TimeSpan> values, double percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * percentile))];
    }

    // The portal runs in this process and the pages in another, so this process's memory is the server's.
    private static (double HeapMiB, double RssMiB) ServerMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var self = Process.GetCurrentProcess();
        return (heap / 1048576.0, self.WorkingSet64 / 1048576.0);
    }

    private static PageProcess StartPageProcess(string address)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(FanoutBenchmark).Assembly.Location);
        }

        foreach (var argument in new[] { "fanout-pages", address, ViewerEmail, ViewerPassword })
        {
            start.ArgumentList.Add(argument);
        }

        return new PageProcess(Process.Start(start)!);
    }

    /// <summary>The page process, driven line by line over its standard input and output.</summary>
    private sealed class PageProcess(Process process) : IDisposable
    {
        public async Task OpenAsync(int count)
        {
            await process.StandardInput.WriteLineAsync($"open {count}");
            await ExpectAsync("opened ");
        }

        public async Task<long> RenderBatchesAsync()
        {
            await process.StandardInput.WriteLineAsync("renders");
            return long.Parse(await ExpectAsync("renders "), CultureInfo.InvariantCulture);
        }

        private async Task<string> ExpectAsync(string prefix)
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line[prefix.Length..];
                }

                Console.WriteLine($"  pages: {line}");
            }

            throw new InvalidOperationException($"the page process ended (exit code {process.ExitCode})");
        }

        public void Dispose()
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
            }

            process.Dispose();
        }
    }
}
