using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Identity;
using Portal.Reservations;
using Portal.Sandboxes;

namespace Portal.Benchmarks;

/// <summary>
/// Time from clicking "Launch sandbox" in Chromium to the READY chip on the page, against a plain
/// <c>docker run -dit</c> of the same image on the same engine, in the same run, alternating so both see the same load.
/// </summary>
internal sealed class SandboxBenchmark(int runs, string image)
{
    public const string Usage = "sandbox [runs=20] [image=portal-sandbox:test]";

    private const string Board = "pine-01";

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    public static Task<int> RunAsync(string[] args) =>
        new SandboxBenchmark(
            args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20,
            args.Length > 1 ? args[1] : "portal-sandbox:test").RunAsync();

    private async Task<int> RunAsync()
    {
        var directory = Directory.CreateTempSubdirectory("portal-sandbox-bench-").FullName;
        var owner = $"portal-bench-{Guid.NewGuid():N}";
        try
        {
            await using var portal = new BenchmarkPortal(directory, new Dictionary<string, string?>
            {
                ["Lab:Containers:Owner"] = owner,
                ["Lab:Containers:StopGrace"] = "00:00:00",
            });
            var address = portal.StartOnLoopback();
            var admin = (await portal.Services.GetRequiredService<UserAdminService>().ListAsync(CancellationToken.None)).Single(u => u.Email == BenchmarkPortal.AdminEmail);
            var assigned = await portal.Services.GetRequiredService<SandboxImageService>()
                .AssignAsync(new Actor(admin.Id, admin.Email, IsAdmin: true), "pine64-a64-lts", image, "/bin/sh", isDefault: true, CancellationToken.None);
            if (assigned is not null)
            {
                await Console.Error.WriteLineAsync($"sandbox benchmark: {assigned}");
                return 2;
            }

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BenchmarkBrowser.LaunchAsync(playwright);
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address });
            context.SetDefaultTimeout(60_000);
            var page = await context.NewPageAsync();
            await BenchmarkBrowser.LogInAsAdminAsync(page);
            await page.GotoAsync($"boards/{Board}");
            await BenchmarkBrowser.WaitUntilLiveAsync(page);
            await page.GetByRole(AriaRole.Button, new() { Name = "Reserve" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Launch sandbox" }).WaitForAsync();

            var launches = new List<double>();
            var plain = new List<double>();
            for (var run = 0; run < runs + 1; run++)
            {
                // Removing a container goes on inside the engine (network teardown) after the call returns: let it settle.
                await Task.Delay(Settle);
                var launch = await LaunchInPortalAsync(page);
                await Task.Delay(Settle);
                var docker = await DockerRunAsync(owner, $"{owner}-plain-{run}");
                // The first of each warms caches and is not counted.
                if (run > 0)
                {
                    launches.Add(launch);
                    plain.Add(docker);
                }
            }

            Console.WriteLine($"sandbox benchmark: {runs} launches of {image} (after 1 unmeasured), on {Environment.ProcessorCount} cores");
            Console.WriteLine($"{"",-40} {"p50 (ms)",9} {"mean (ms)",10} {"max (ms)",9}");
            Row("portal: click Launch → READY drawn", launches);
            Row("docker run -dit (CLI, start to exit)", plain);
            Console.WriteLine($"portal / docker run (p50): {Median(launches) / Median(plain):0.00}x");
            return 0;
        }
        finally
        {
            // Whatever a failed run left behind.
            foreach (var label in new[] { $"portal.owner={owner}", $"portal-benchmark={owner}" })
            {
                foreach (var id in (await DockerAsync("ps", "-aq", "--filter", $"label={label}")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    await DockerAsync("rm", "-f", id);
                }
            }

            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }

        static void Row(string name, List<double> ms) =>
            Console.WriteLine($"{name,-40} {Median(ms),9:0.0} {ms.Average(),10:0.0} {ms.Max(),9:0.0}");
    }

    /// <summary>Measured in the page, from the click event to the frame that shows READY, so Playwright's own round trips do not count.</summary>
    private static async Task<double> LaunchInPortalAsync(IPage page)
    {
        await page.EvaluateAsync("""
            () => {
                window.launchTiming = new Promise(resolve => {
                    let clicked;
                    document.addEventListener('click', () => clicked ??= performance.now(), { capture: true, once: true });
                    new MutationObserver((_, observer) => {
                        if (clicked !== undefined && document.querySelector('[data-sandbox-status=READY]')) {
                            observer.disconnect();
                            requestAnimationFrame(() => resolve(performance.now() - clicked));
                        }
                    }).observe(document.body, { subtree: true, childList: true, attributes: true });
                });
            }
            """);
        await page.GetByRole(AriaRole.Button, new() { Name = "Launch sandbox" }).ClickAsync();
        var elapsed = await page.EvaluateAsync<double>("() => window.launchTiming");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop sandbox" }).ClickAsync();
        await page.Locator("[data-sandbox-status=TERMINATED]").WaitForAsync();
        return elapsed;
    }

    private async Task<double> DockerRunAsync(string owner, string name)
    {
        var clock = Stopwatch.StartNew();
        // Not the portal's owner label: its reconciler would remove the container as an orphan.
        await DockerAsync("run", "-dit", "--label", $"portal-benchmark={owner}", "--name", name, image);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        await DockerAsync("rm", "-f", name);
        return elapsed;
    }

    private static async Task<string> DockerAsync(params string[] arguments)
    {
        using var docker = Process.Start(new ProcessStartInfo("docker", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = docker.StandardOutput.ReadToEndAsync();
        var error = docker.StandardError.ReadToEndAsync();
        await docker.WaitForExitAsync();
        return docker.ExitCode == 0 ? await output : throw new InvalidOperationException($"docker {string.Join(' ', arguments)}: {await error}");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
