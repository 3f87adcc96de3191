using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Events;
using Portal.Identity;
using Portal.Reservations;

namespace Portal.Benchmarks;

/// <summary>
/// Many leases running out at the same moment, each with a slow teardown script: how late each board turns
/// <i>releasing</i> after its lease ran out, and how late it is free after its teardown ended; beside the ideal (all
/// teardowns side by side: one teardown's time) and one after another (what a clock that waits for each would take).
/// </summary>
internal sealed class ExpiryBenchmark(int boards, TimeSpan teardown)
{
    public const string Usage = "expiry [boards=20] [teardown-seconds=2]";

    public static Task<int> RunAsync(string[] args) =>
        new ExpiryBenchmark(
            args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20,
            TimeSpan.FromSeconds(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 2)).RunAsync();

    private async Task<int> RunAsync()
    {
        if (!OperatingSystem.IsLinux())
        {
            await Console.Error.WriteLineAsync("expiry benchmark: runs on Linux only (the teardown is a /bin/sh script).");
            return 2;
        }

        var directory = Directory.CreateTempSubdirectory("portal-expiry-bench-").FullName;
        try
        {
            // The teardown sleeps, then prints when it ended (Unix seconds), which the reservation keeps as its output.
            var script = Path.Combine(directory, "setup.sh");
            await File.WriteAllTextAsync(script, $"#!/bin/sh\n[ \"$1\" = release ] || exit 0\nsleep {teardown.TotalSeconds.ToString(CultureInfo.InvariantCulture)}\ndate +%s.%N\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var settings = new Dictionary<string, string?> { ["Lab:Classes:expiry:Arch"] = "arm64", ["Lab:SetupScript"] = script };
            // After the demo lab's boards, so that none of these inherits a demo board's drivers (its QEMU, say).
            for (var i = 0; i < boards; i++)
            {
                settings[$"Lab:Boards:{100 + i}:Name"] = $"exp-{i}";
                settings[$"Lab:Boards:{100 + i}:Class"] = "expiry";
            }

            await using var portal = new BenchmarkPortal(directory, settings);
            portal.StartOnLoopback();
            var users = portal.Services.GetRequiredService<UserAdminService>();
            await users.CreateAsync(await portal.AdminAsync(), new NewUser("expiry@lab.test", "Bench-Pass-123", false, []), CancellationToken.None);
            var user = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == "expiry@lab.test");
            var actor = new Actor(user.Id, user.Email, IsAdmin: false);
            var lifecycle = portal.Services.GetRequiredService<ReservationLifecycle>();
            var queries = portal.Services.GetRequiredService<ReservationQueries>();
            var jobs = portal.Services.GetRequiredService<LifecycleJobs>();

            // When each reservation was seen releasing and ended, as an open page hears it.
            var releasingAt = new ConcurrentDictionary<int, DateTime>();
            var endedAt = new ConcurrentDictionary<int, DateTime>();
            using var subscription = portal.Services.GetRequiredService<LabEvents>()
                .Subscribe(e => e is ReservationChanged { State: ReservationState.Releasing or ReservationState.Expired }, capacity: 10_000);
            using var stop = new CancellationTokenSource();
            var listening = Task.Run(async () =>
            {
                try
                {
                    while (await subscription.NextBatchAsync(stop.Token) is { } batch)
                    {
                        var now = DateTime.UtcNow;
                        foreach (var changed in batch.Events.OfType<ReservationChanged>())
                        {
                            (changed.State == ReservationState.Releasing ? releasingAt : endedAt).TryAdd(changed.ReservationId, now);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    // Measured enough.
                }
            });

            // Every lease ends at the same instant, far enough ahead for all the grants (and their setup) to be made.
            var expiresAt = DateTime.UtcNow.AddSeconds(20);
            var ids = new List<int>();
            for (var i = 0; i < boards; i++)
            {
                var granted = await lifecycle.ReserveBoardAsync(actor, $"exp-{i}", expiresAt - DateTime.UtcNow, CancellationToken.None);
                ids.Add(granted.Reservation?.Id ?? throw new InvalidOperationException(granted.Error?.Detail));
            }

            await jobs.WhenIdleAsync(CancellationToken.None);
            var clock = Stopwatch.StartNew();
            while (endedAt.Count < boards && clock.Elapsed < TimeSpan.FromSeconds(10) + teardown * boards)
            {
                await Task.Delay(50);
            }

            await stop.CancelAsync();
            await listening;
            var toReleasing = new List<double>();
            var toFree = new List<double>();
            var lastFree = DateTime.MinValue;
            foreach (var id in ids)
            {
                var reservation = (await queries.GetAsync(id, CancellationToken.None))!;
                var teardownEnd = DateTime.UnixEpoch.AddSeconds(double.Parse(reservation.TeardownOutput!.Trim(), CultureInfo.InvariantCulture));
                toReleasing.Add((releasingAt[id] - reservation.ExpiresAt).TotalMilliseconds);
                toFree.Add((endedAt[id] - teardownEnd).TotalMilliseconds);
                lastFree = endedAt[id] > lastFree ? endedAt[id] : lastFree;
            }

            Console.WriteLine($"expiry benchmark: {boards} leases running out at once, a {teardown.TotalSeconds:0.#} s teardown each, on {Environment.ProcessorCount} cores");
            Console.WriteLine($"{"",-44}{"p50 (ms)",10}{"max (ms)",10}");
            Console.WriteLine($"{"lease ran out → board releasing",-44}{Median(toReleasing),10:0.0}{toReleasing.Max(),10:0.0}");
            Console.WriteLine($"{"teardown ended → board free",-44}{Median(toFree),10:0.0}{toFree.Max(),10:0.0}");
            Console.WriteLine($"lease ran out → last board free: {(lastFree - expiresAt).TotalSeconds:0.00} s "
                + $"(ideal, all teardowns side by side: {teardown.TotalSeconds:0.00} s; one after another: {(teardown * boards).TotalSeconds:0.00} s)");
            var met = toReleasing.Max() <= 1000 && toFree.Max() <= 1000;
            Console.WriteLine($"target (every board releasing within 1 s of expiry and free within 1 s of its teardown's end): {(met ? "met" : "NOT met")}");
            return met ? 0 : 1;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
