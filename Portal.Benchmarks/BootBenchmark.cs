using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Artifacts;
using Portal.Consoles;
using Portal.Identity;
using Portal.Reservations;

namespace Portal.Benchmarks;

/// <summary>
/// Time from pressing "Deploy &amp; boot" in Chromium to the frame that shows the booted kernel's marker in xterm.js,
/// against starting the same QEMU command by hand and reading the marker on its serial output, alternating in one run.
/// The image is the demo's (lab/qemu-demo.sh), whose init prints <c>marker X</c> for <c>portal.marker=X</c> on the
/// kernel command line, so each boot has its own marker.
/// </summary>
internal sealed class BootBenchmark(int runs)
{
    public const string Usage = "boot [runs=10]";

    private const string Board = "qemu-01";
    private const string Qemu = "qemu-system-x86_64";

    public static Task<int> RunAsync(string[] args) =>
        new BootBenchmark(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10).RunAsync();

    private async Task<int> RunAsync()
    {
        var image = Path.Combine(FindRepository(), "Portal", "data", "qemu-demo");
        var (kernel, initrd) = (Path.Combine(image, "vmlinuz"), Path.Combine(image, "initrd.img"));
        if (!File.Exists(kernel) || !File.Exists(initrd))
        {
            await Console.Error.WriteLineAsync($"boot benchmark: {kernel} or {initrd} is missing; run lab/qemu-demo.sh first");
            return 2;
        }

        var directory = Directory.CreateTempSubdirectory("portal-boot-bench-").FullName;
        try
        {
            await using var portal = new BenchmarkPortal(directory, new Dictionary<string, string?>
            {
                ["Artifacts:Directory"] = Path.Combine(directory, "artifacts"),
                ["Lab:Qemu:StateDirectory"] = Path.Combine(directory, "qemu"),
            });
            var address = portal.StartOnLoopback();
            var actor = await portal.AdminAsync();
            var store = portal.Services.GetRequiredService<ArtifactStore>();
            foreach (var (name, path) in new[] { ("bench-kernel", kernel), ("bench-initrd", initrd) })
            {
                await using var file = File.OpenRead(path);
                await store.AddAsync(actor, name, [], file, file.Length, null, CancellationToken.None);
            }

            await portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(actor, Board, TimeSpan.FromHours(1), CancellationToken.None);
            var power = portal.Services.GetRequiredService<PowerService>();

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BenchmarkBrowser.LaunchAsync(playwright);
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address });
            context.SetDefaultTimeout(120_000);
            await context.AddInitScriptAsync(BenchmarkBrowser.CaptureTerminal);
            var page = await context.NewPageAsync();
            await BenchmarkBrowser.LogInAsAdminAsync(page);

            var portalTimes = new List<double>();
            var handTimes = new List<double>();
            for (var run = 0; run < runs + 1; run++)
            {
                var marker = $"boot-{run}-{Guid.NewGuid():N}"[..20];
                // Both start from a machine that is off.
                await power.SwitchAsync(actor, Board, PowerAction.Off, CancellationToken.None);
                var deployAndBoot = await DeployAndBootAsync(page, marker, portal.Services);
                var byHand = await ByHandAsync(kernel, initrd, $"{marker}-hand");
                // The first of each warms caches and is not counted.
                if (run > 0)
                {
                    portalTimes.Add(deployAndBoot);
                    handTimes.Add(byHand);
                }
            }

            await power.SwitchAsync(actor, Board, PowerAction.Off, CancellationToken.None);
            Console.WriteLine($"boot benchmark: {runs} boots of the demo kernel + busybox initramfs under TCG (after 1 unmeasured), on {Environment.ProcessorCount} cores");
            Console.WriteLine($"{"",-46} {"p50 (ms)",9} {"mean (ms)",10} {"max (ms)",9}");
            Row("portal: Deploy & boot pressed → marker drawn", portalTimes);
            Row("QEMU by hand: start → marker on serial", handTimes);
            Console.WriteLine($"portal / by hand (p50): {Median(portalTimes) / Median(handTimes):0.00}x");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }

        static void Row(string name, List<double> ms) =>
            Console.WriteLine($"{name,-46} {Median(ms),9:0.0} {ms.Average(),10:0.0} {ms.Max(),9:0.0}");
    }

    private static async Task<string> AskPageAsync(IPage page, string script)
    {
        try
        {
            return await page.EvaluateAsync<string>(script).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is TimeoutException or PlaywrightException)
        {
            return $"(no answer: {ex.Message.Split('\n')[0]})";
        }
    }

    /// <summary>Measured in the page, from the click event to the frame xterm.js renders with the marker in its buffer, across the move to the console page.</summary>
    private static async Task<double> DeployAndBootAsync(IPage page, string marker, IServiceProvider services)
    {
        // Where the time goes, seen by the server: the power switched on, and the marker on the board's console.
        var markerSeen = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = services.GetRequiredService<Portal.Events.LabEvents>().Subscribe(e => e is Portal.Events.PowerChanged { Board: Board, State: Portal.Hardware.PowerState.On });
        var poweredOn = Task.Run(async () =>
        {
            await subscription.NextBatchAsync(CancellationToken.None);
            return DateTime.UtcNow;
        });
        var console = new StringBuilder();
        await using var watcher = services.GetRequiredService<ConsoleBroker>().Watch(Board, data =>
        {
            lock (console)
            {
                console.Append(Encoding.UTF8.GetString(data.Span));
                if (console.ToString().Contains($"marker {marker}", StringComparison.Ordinal))
                {
                    markerSeen.TrySetResult(DateTime.UtcNow);
                }
            }

            return Task.CompletedTask;
        }, replayScrollback: false);

        await page.GotoAsync($"boards/{Board}");
        await BenchmarkBrowser.WaitUntilLiveAsync(page);
        foreach (var (slot, artifact) in new[] { ("kernel", "bench-kernel"), ("initrd", "bench-initrd") })
        {
            await page.Locator($"[data-deploy-slot='{slot}']").ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = $"{artifact} (" }).ClickAsync();
        }

        // Typed at once after the initrd's list closed, the text sometimes did not land in the field (it showed "" and
        // the boot got the board's own command line): typed again until the field shows it, as a person would.
        var (commandLine, wanted, typed) = (page.GetByLabel("Kernel command line (empty: the board's)"), $"console=ttyS0 portal.marker={marker}", "");
        for (var attempt = 0; attempt < 5 && typed != wanted; attempt++)
        {
            await commandLine.FillAsync(wanted);
            typed = await commandLine.InputValueAsync();
        }

        await page.EvaluateAsync("""
            marker => {
                window.bootTiming = new Promise(resolve => {
                    let clicked, console, firstText;
                    document.addEventListener('click', () => { clicked ??= performance.now(); window.clickedAt = Date.now(); }, { capture: true, once: true });
                    const lines = t => {
                        const b = t.buffer.active, all = [];
                        for (let y = 0; y < b.length; y++) all.push(b.getLine(y)?.translateToString(true) ?? '');
                        return all;
                    };
                    // The terminal of the console page the portal moves to: from then on, each frame it renders is looked at.
                    const untilTerminal = () => {
                        const t = window.benchTerm;
                        if (clicked === undefined || !t || !t.element?.isConnected) return requestAnimationFrame(untilTerminal);
                        console = performance.now();
                        const rendered = t.onRender(() => {
                            const shown = lines(t);
                            if (shown.some(line => line.trim().length > 0)) firstText ??= performance.now();
                            if (shown.some(line => line.includes('marker ' + marker))) {
                                rendered.dispose();
                                resolve([performance.now() - clicked, console - clicked, firstText - clicked]);
                            }
                        });
                    };
                    untilTerminal();
                });
            }
            """, marker);
        await page.GetByRole(AriaRole.Button, new() { Name = "Deploy & boot" }).ClickAsync();
        var drawn = page.EvaluateAsync<double[]>("() => window.bootTiming");
        if (await Task.WhenAny(drawn, Task.Delay(TimeSpan.FromSeconds(60))) != drawn)
        {
            string seenByServer;
            lock (console)
            {
                seenByServer = console.ToString();
            }

            // Each asked for on its own, briefly: a page stuck loading answers none of them, and that is worth seeing too.
            var shown = await AskPageAsync(page, "() => { const b = window.benchTerm?.buffer.active; if (!b) return '(no terminal)'; const all = []; for (let y = Math.max(0, b.length - 8); y < b.length; y++) all.push(b.getLine(y)?.translateToString(true) ?? ''); return all.join('\\n'); }");
            var state = await AskPageAsync(page, "() => `readyState ${document.readyState}, Blazor reconnect modal: ${document.getElementById('components-reconnect-modal')?.className ?? 'none'}`");
            var text = await AskPageAsync(page, "() => document.body?.innerText ?? '(no body)'");
            var deployed = (await services.GetRequiredService<Portal.Deploys.DeployService>().ListAsync(null, Board, CancellationToken.None)).FirstOrDefault();
            var qemu = Directory.GetDirectories("/proc").Select(d => Path.Combine(d, "cmdline"))
                .Select(f => { try { return File.ReadAllText(f).Replace('\0', ' '); } catch (IOException) { return ""; } })
                .FirstOrDefault(c => c.Contains($"portal-{Board}", StringComparison.Ordinal)) ?? "(not running)";
            throw new InvalidOperationException(
                $"The page did not draw marker {marker} within 60 s. The server {(markerSeen.Task.IsCompleted ? "read it" : "did not read it")}; its console ends: " +
                $"{seenByServer[Math.Max(0, seenByServer.Length - 300)..]}\nThe command line field showed \"{typed}\" before the click. The last deploy: {deployed?.Files} (boot {deployed?.Boot}, error {deployed?.Error}); QEMU runs {qemu}" +
                $"\nThe page is {page.Url} ({state}); its terminal ends:\n{shown}\nIts text ends:\n{text[Math.Max(0, text.Length - 600)..]}");
        }

        var times = await drawn;
        var clickedAt = DateTime.UnixEpoch.AddMilliseconds(await page.EvaluateAsync<double>("() => window.clickedAt"));
        var power = (await poweredOn.WaitAsync(TimeSpan.FromSeconds(10)) - clickedAt).TotalMilliseconds;
        var seen = (await markerSeen.Task.WaitAsync(TimeSpan.FromSeconds(10)) - clickedAt).TotalMilliseconds;
        Console.Error.WriteLine($"  deploy & boot: power on at {power:0} ms, marker on the server's console at {seen:0} ms; in the page: terminal at {times[1]:0} ms, first text at {times[2]:0} ms, marker drawn at {times[0]:0} ms");
        return times[0];
    }

    /// <summary>The same machine, started by hand with its serial port on stdout, until init prints the marker.</summary>
    private static async Task<double> ByHandAsync(string kernel, string initrd, string marker)
    {
        var start = new ProcessStartInfo(Qemu,
        [
            "-nodefaults", "-no-user-config", "-display", "none", "-accel", "tcg", "-m", "256",
            "-kernel", kernel, "-initrd", initrd, "-append", $"console=ttyS0 portal.marker={marker}",
            "-nic", "none", "-serial", "stdio",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        var clock = Stopwatch.StartNew();
        using var qemu = Process.Start(start)!;
        var seen = new StringBuilder();
        var buffer = new char[4096];
        try
        {
            while (!seen.ToString().Contains($"marker {marker}", StringComparison.Ordinal))
            {
                var count = await qemu.StandardOutput.ReadAsync(buffer);
                if (count == 0)
                {
                    throw new InvalidOperationException($"{Qemu} ended before the marker: {seen}");
                }

                seen.Append(buffer, 0, count);
            }

            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            qemu.Kill();
            await qemu.WaitForExitAsync();
        }
    }

    private static string FindRepository()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "Portal.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("Portal.sln not found above the benchmark");
        }

        return directory;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
