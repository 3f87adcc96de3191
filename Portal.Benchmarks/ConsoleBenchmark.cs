using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Playwright;

namespace Portal.Benchmarks;

/// <summary>
/// The serial console in Chromium, against wetty on the same pty: echo latency of single keys and the throughput of
/// a flood, each measured in the page from the keydown to the frame xterm.js rendered, with the server's memory.
/// The board is a real bash on a pty made by socat; the portal opens it with its <c>serial</c> driver, and wetty
/// runs socat on the same device, one after the other. The whole comparison runs RUNS times in a row, each on a fresh
/// board and portal: a run that stalls is reported and fails the benchmark (its own check that it finishes).
/// </summary>
internal sealed class ConsoleBenchmark(int keys, int megabytes, int runs, string renderer)
{
    public const string Usage = "console [keys=1000] [megabytes=10] [runs=3] [renderer=webgl|dom]";

    private const string Socat = "/usr/bin/socat";
    private const string BoardName = "bench-board";
    private const string Prompt = "board> ";
    private const int WarmUpKeys = 20;

    // Keys come at a fast typist's pace (about 16 a second), not back to back: a key typed within a few frames of the
    // tab's last drawing waits for the browser's next frame tick (up to 16.7 ms), one typed after a pause is drawn at
    // once, so typing back to back measured how soon each tab's previous frame had ended, not the terminal.
    private static readonly TimeSpan KeyInterval = TimeSpan.FromMilliseconds(60);

    // The arithmetic keeps the marker out of the echoed command line: only the shell's output contains it.
    private const string FloodMarker = "FLOOD-42-END";

    public static Task<int> RunAsync(string[] args) =>
        new ConsoleBenchmark(
            args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000,
            args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10,
            args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3,
            args.Length > 3 ? args[3] : "webgl").RunAsync();

    private async Task<int> RunAsync()
    {
        if (renderer is not ("webgl" or "dom"))
        {
            await Console.Error.WriteLineAsync($"console benchmark: the renderer is webgl or dom, not '{renderer}'");
            return 2;
        }

        foreach (var tool in new[] { BenchmarkBrowser.Chromium, Socat, "/usr/bin/node", "/usr/bin/npm" })
        {
            if (!File.Exists(tool))
            {
                await Console.Error.WriteLineAsync($"console benchmark: {tool} is missing (Debian packages chromium, socat, nodejs, npm)");
                return 2;
            }
        }

        if (Environment.UserName != "root")
        {
            // Only as root does wetty run --command in a local pty; anyone else it logs in over ssh, to another shell.
            await Console.Error.WriteLineAsync("console benchmark: run it as root, or wetty would not reach the board's pty");
            return 2;
        }

        var wettyMain = await InstallWettyAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BenchmarkBrowser.LaunchAsync(playwright);
        var unfinished = 0;
        for (var run = 1; run <= runs; run++)
        {
            Console.WriteLine($"run {run} of {runs}");
            try
            {
                await RunOnceAsync(browser, wettyMain);
            }
            catch (Exception ex) when (ex is PlaywrightException or TimeoutException or InvalidOperationException)
            {
                // Its own check: a run that stalls (nothing rendered within 300 s) is a failure of the benchmark, not a figure.
                Console.WriteLine($"run {run} of {runs} did not finish: {ex.Message}");
                unfinished++;
            }
        }

        Console.WriteLine(unfinished == 0 ? $"all {runs} runs finished" : $"{unfinished} of {runs} runs did not finish");
        return unfinished == 0 ? 0 : 1;
    }

    private async Task RunOnceAsync(IBrowser browser, string wettyMain)
    {
        var directory = Directory.CreateTempSubdirectory("portal-console-bench-").FullName;
        try
        {
            await using var board = await BoardShell.StartAsync(Path.Combine(directory, "board"));

            // wetty first: killing it closes the device, while the portal keeps a console open until it is idle.
            var wetty = await SideAsync("wetty", () => MeasureWettyAsync(browser, board.Device, wettyMain));
            var portal = await SideAsync("portal", () => MeasurePortalAsync(browser, board.Device, directory));
            Print(portal, wetty);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A stall says whose it was.</summary>
    private static async Task<TerminalResult> SideAsync(string side, Func<Task<TerminalResult>> measure)
    {
        try
        {
            return await measure();
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"{side}: {ex.Message.Split('\n')[0]}", ex);
        }
    }

    private void Print(TerminalResult portal, TerminalResult wetty)
    {
        Console.WriteLine($"console benchmark: {keys} keys {KeyInterval.TotalMilliseconds:0} ms apart (after {WarmUpKeys} unmeasured), a {megabytes} MB base64 flood, on {Environment.ProcessorCount} cores, Chromium headless");
        Console.WriteLine($"{"",-34} {"portal",12} {"wetty",12} {"portal/wetty",13}");
        Row("echo latency p50 (ms)", portal.Latency.P50, wetty.Latency.P50, "0.0");
        Row("echo latency p99 (ms)", portal.Latency.P99, wetty.Latency.P99, "0.0");
        Row("  keydown to output in tab p50", portal.ToTab.P50, wetty.ToTab.P50, "0.0");
        Row("  output in tab to frame p50", portal.Drawing.P50, wetty.Drawing.P50, "0.0");
        Row("    of it, to the next animation frame", portal.FrameWait.P50, wetty.FrameWait.P50, "0.0");
        Row("  keydown to output in tab p99", portal.ToTab.P99, wetty.ToTab.P99, "0.0");
        Row("  output in tab to frame p99", portal.Drawing.P99, wetty.Drawing.P99, "0.0");
        Row("    of it, to the next animation frame", portal.FrameWait.P99, wetty.FrameWait.P99, "0.0");
        Row("flood rendered (MB/s)", portal.MegabytesPerSecond, wetty.MegabytesPerSecond, "0.00");
        Row("flood bytes drawn by xterm.js (MB)", portal.DrawnMegabytes, wetty.DrawnMegabytes, "0.0");
        Row("server RSS before flood (MiB)", portal.RssBeforeMiB, wetty.RssBeforeMiB, "0");
        Row("server RSS peak in flood (MiB)", portal.RssPeakMiB, wetty.RssPeakMiB, "0");
        Console.WriteLine($"xterm.js renderer: portal {portal.Renderer}, wetty {wetty.Renderer}");
        Console.WriteLine($"portal echo by leg over {portal.SplitKeys} of {keys} keys (ms; the tab's and the server's clocks are this machine's):");
        Console.WriteLine($"{"",-44} {"p50",8} {"p99",8}");
        for (var leg = 0; leg < ConsoleTrace.Legs.Length; leg++)
        {
            Console.WriteLine($"  {ConsoleTrace.Legs[leg],-42} {portal.Legs[leg].P50.ToString("0.00", CultureInfo.InvariantCulture),8} {portal.Legs[leg].P99.ToString("0.00", CultureInfo.InvariantCulture),8}");
        }

        Console.WriteLine($"server: portal in this process (the benchmark's own RSS included; GC heap peak in flood {portal.GcHeapPeakMiB:0} MiB), wetty its node process");

        static void Row(string name, double portal, double wetty, string format) =>
            Console.WriteLine($"{name,-34} {portal.ToString(format, CultureInfo.InvariantCulture),12} {wetty.ToString(format, CultureInfo.InvariantCulture),12} {(portal / wetty).ToString("0.00", CultureInfo.InvariantCulture),13}");
    }

    private async Task<TerminalResult> MeasurePortalAsync(IBrowser browser, string device, string directory)
    {
        await using var portal = new BenchmarkPortal(directory, new Dictionary<string, string?>
        {
            ["Lab:Classes:bench:Arch"] = "x86_64",
            ["Lab:Boards:0:Name"] = BoardName,
            ["Lab:Boards:0:Class"] = "bench",
            ["Lab:Boards:0:Console:Driver"] = "serial",
            ["Lab:Boards:0:Console:Device"] = device,
        });
        var address = portal.StartOnLoopback();
        await using var context = await NewContextAsync(browser, address);
        // The renderer as a user picks it with the terminal's button (without a GPU, the page would pick DOM itself).
        await context.AddInitScriptAsync($"try {{ localStorage.setItem('portal.terminal.renderer', '{renderer}'); }} catch {{ }}");
        var page = await context.NewPageAsync();
        await BenchmarkBrowser.LogInAsAdminAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Reserve {BoardName}" }).ClickAsync();
        await page.GetByText($"You hold {BoardName}.").WaitForAsync();
        await page.GotoAsync($"boards/{BoardName}/console");
        await page.Locator("[data-terminal][data-ready=true]").WaitForAsync();
        await page.Locator("[data-terminal]").ClickAsync();
        using var trace = new ConsoleTrace();
        try
        {
            return await MeasureTerminalAsync(page, Environment.ProcessId, () => GC.GetTotalMemory(false), trace);
        }
        catch (PlaywrightException ex)
        {
            // What the stalled tab has: whether its circuit is gone (the reconnect dialog), whether the terminal's view
            // follows its end (viewport line = base line), and the terminal's last lines.
            var state = await page.EvaluateAsync<string>("""
                () => {
                  const dialog = document.getElementById('components-reconnect-modal');
                  const b = window.benchTerm.buffer.active;
                  const lines = [];
                  for (let y = Math.max(0, b.baseY + b.cursorY - 2); y <= b.baseY + b.cursorY; y++) lines.push(b.getLine(y)?.translateToString(true));
                  const f = window.bench.flood, ago = at => at ? `${Math.round(performance.now() - at)} ms ago` : 'never';
                  return `reconnect dialog ${dialog?.open ? 'open: ' + dialog.className : 'closed'}; drawn by ${document.querySelector('.xterm-rows') ? 'DOM' : 'WebGL'}`
                    + `; WebGL contexts lost: ${f?.contextsLost}; writes in the flood: ${f?.writes}, the last ${ago(f?.lastWrite)}; renders: ${f?.renders}, the last ${ago(f?.lastRender)}`
                    + `; viewport at line ${b.viewportY} of ${b.baseY}; last lines: ${JSON.stringify(lines)}`;
                }
                """);
            throw new PlaywrightException($"{ex.Message.Split('\n')[0]} ({state})", ex);
        }
    }

    private async Task<TerminalResult> MeasureWettyAsync(IBrowser browser, string device, string wettyMain)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("/usr/bin/node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Run as root, wetty starts --command in its own pty instead of ssh; socat joins that pty to the board's device.
        foreach (var argument in new[] { wettyMain, "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--base", "/", "--command", $"{Socat} STDIO,raw,echo=0 {device},raw,echo=0" })
        {
            start.ArgumentList.Add(argument);
        }

        using var wetty = Process.Start(start)!;
        wetty.OutputDataReceived += (_, _) => { };
        wetty.ErrorDataReceived += (_, _) => { };
        wetty.BeginOutputReadLine();
        wetty.BeginErrorReadLine();
        try
        {
            await WaitUntilListeningAsync(port);
            await using var context = await NewContextAsync(browser, $"http://127.0.0.1:{port}/");
            var page = await context.NewPageAsync();
            await page.GotoAsync("");
            await page.WaitForFunctionAsync("() => window.wetty_term !== undefined");
            return await MeasureTerminalAsync(page, wetty.Id, null, null);
        }
        finally
        {
            wetty.Kill(entireProcessTree: true);
            await wetty.WaitForExitAsync();
        }
    }

    private static DateTime Wall(JsonElement times, string name) =>
        DateTime.UnixEpoch.AddMilliseconds(times.GetProperty(name).GetDouble());

    private async Task<TerminalResult> MeasureTerminalAsync(IPage page, int serverPid, Func<long>? gcHeap, ConsoleTrace? trace)
    {
        // A fresh prompt says the shell is there and the terminal shows it.
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("p => window.bench.screenHas(p)", Prompt);

        var latencies = new List<double>();
        var toTab = new List<double>();
        var drawing = new List<double>();
        var frameWaits = new List<double>();
        var legs = new List<double[]>();
        for (var i = 0; i < WarmUpKeys + keys; i++)
        {
            // Type a character, then rub it out: the line never grows, and every key moves the cursor.
            await Task.Delay(KeyInterval);
            trace?.Clear();
            await page.EvaluateAsync("() => window.bench.armKey()");
            await page.Keyboard.PressAsync(i % 2 == 0 ? "a" : "Backspace");
            var key = await page.EvaluateAsync<JsonElement>("() => window.bench.pending");
            var (keydown, wrote, frame, rendered) = (Wall(key, "keydown"), Wall(key, "wrote"), Wall(key, "frame"), Wall(key, "rendered"));
            if (i >= WarmUpKeys)
            {
                latencies.Add((rendered - keydown).TotalMilliseconds);
                toTab.Add((wrote - keydown).TotalMilliseconds);
                drawing.Add((rendered - wrote).TotalMilliseconds);
                frameWaits.Add((frame - wrote).TotalMilliseconds);
                if (trace?.Split(keydown, wrote, rendered) is { } split)
                {
                    legs.Add(split);
                }
            }
        }

        if ((WarmUpKeys + keys) % 2 == 1)
        {
            await page.Keyboard.PressAsync("Backspace");
        }

        var command = $"base64 /dev/urandom | head -c {megabytes * 1_000_000L}; echo; echo FLOOD-$((40+2))-END";
        await page.Keyboard.TypeAsync(command);
        await page.WaitForFunctionAsync("c => window.bench.screenHas(c)", command);
        var rssBefore = Rss(serverPid);
        await page.EvaluateAsync("m => window.bench.armFlood(m)", FloodMarker);
        using var sampling = new CancellationTokenSource();
        var peaks = SamplePeaksAsync(serverPid, gcHeap, sampling.Token);
        await page.Keyboard.PressAsync("Enter");
        var flood = await page.EvaluateAsync<JsonElement>("() => window.bench.pending");
        await sampling.CancelAsync();
        var (rssPeak, gcPeak) = await peaks;

        // What drew, as the page shows it: the DOM renderer's rows of text, or WebGL's canvas without them.
        var drawnBy = await page.EvaluateAsync<string>("() => document.querySelector('.xterm-rows') ? 'DOM' : 'WebGL'");
        var seconds = flood.GetProperty("ms").GetDouble() / 1000;
        return new TerminalResult(
            Percentiles.Of(latencies),
            Percentiles.Of(toTab),
            Percentiles.Of(drawing),
            Percentiles.Of(frameWaits),
            [.. Enumerable.Range(0, ConsoleTrace.Legs.Length).Select(leg => Percentiles.Of([.. legs.Select(split => split[leg])]))],
            legs.Count,
            megabytes / seconds,
            flood.GetProperty("drawn").GetDouble() / 1_000_000,
            rssBefore / 1024.0 / 1024,
            rssPeak / 1024.0 / 1024,
            gcPeak / 1024.0 / 1024,
            drawnBy);
    }

    private static async Task<(long Rss, long GcHeap)> SamplePeaksAsync(int pid, Func<long>? gcHeap, CancellationToken cancellationToken)
    {
        long rss = 0, heap = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            rss = Math.Max(rss, Rss(pid));
            heap = Math.Max(heap, gcHeap?.Invoke() ?? 0);
            try
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (Math.Max(rss, Rss(pid)), heap);
    }

    /// <summary>Resident set size from /proc, the same measure for the .NET and the node process.</summary>
    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static async Task<IBrowserContext> NewContextAsync(IBrowser browser, string address)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address, ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(300_000);
        await context.AddInitScriptAsync(BenchmarkBrowser.CaptureTerminal);
        await context.AddInitScriptAsync(Instrumentation);
        return context;
    }

    /// <summary>npm ci of the committed lock file, once; returns wetty's entry point.</summary>
    private static async Task<string> InstallWettyAsync()
    {
        var folder = Path.Combine(RepositoryRoot(), "Portal.Benchmarks", "wetty");
        var main = Path.Combine(folder, "node_modules", "wetty", "build", "main.js");
        if (!File.Exists(main))
        {
            using var npm = Process.Start(new ProcessStartInfo("/usr/bin/npm", ["ci", "--no-audit", "--no-fund"]) { WorkingDirectory = folder })!;
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0 || !File.Exists(main))
            {
                throw new InvalidOperationException($"npm ci in {folder} failed with exit code {npm.ExitCode}");
            }
        }

        return main;
    }

    private static string RepositoryRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "Portal.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("Portal.sln not found above the benchmark's output");
        }

        return directory;
    }

    /// <summary>Waits (10 s at most) for socat to link its pty at <paramref name="device"/>; says what socat said if it did not.</summary>
    internal static async Task WaitForDeviceAsync(Process socat, string device)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(device))
        {
            if (DateTime.UtcNow > deadline || socat.HasExited)
            {
                throw new InvalidOperationException($"socat did not create {device}: {await socat.StandardError.ReadToEndAsync()}");
            }

            await Task.Delay(20);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitUntilListeningAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>
    /// Runs in the page before its own scripts, after <see cref="BenchmarkBrowser.CaptureTerminal"/>, which keeps the
    /// portal's terminal; wetty exposes its own as window.wetty_term. Times are taken in the page with
    /// performance.now(), from the keydown to the render in which xterm.js shows the result, so the round trips of
    /// Playwright itself are not counted.
    /// </summary>
    private const string Instrumentation = """
        (() => {
          const term = () => window.wetty_term ?? window.benchTerm;
          const cursor = () => { const b = term().buffer.active; return `${b.baseY + b.cursorY}:${b.cursorX}`; };
          const bounded = (promise, what) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} not rendered within 300 s`)), 300000))]);
          const onNextKeydown = action => window.addEventListener('keydown', action, { capture: true, once: true });
          window.bench = {
            screenHas(text) {
              const b = term().buffer.active;
              for (let y = b.viewportY; y < b.viewportY + term().rows; y++) {
                if (b.getLine(y)?.translateToString(true).includes(text)) return true;
              }
              return false;
            },
            // Resolves with the times (ms since the epoch) of the next keydown, of the first output handed to xterm.js
            // after it, of the animation frame the browser gives next (xterm.js draws in one), and of the first render
            // with the cursor moved (the echo).
            armKey() {
              const t = term(), before = cursor(), write = t.write, wall = at => performance.timeOrigin + at;
              let start = 0, wrote = 0, frame = 0;
              t.write = (data, callback) => {
                if (start && !wrote) { wrote = performance.now(); requestAnimationFrame(() => { frame = performance.now(); }); }
                return write.call(t, data, callback);
              };
              onNextKeydown(() => { start = performance.now(); });
              this.pending = bounded(new Promise(resolve => {
                const rendered = t.onRender(() => {
                  if (start && cursor() !== before) {
                    const now = performance.now();
                    rendered.dispose();
                    t.write = write;
                    resolve({ keydown: wall(start), wrote: wall(wrote || now), frame: wall(frame || now), rendered: wall(now) });
                  }
                });
              }), 'the echo of a key');
            },
            // Resolves with the milliseconds from the next keydown to the render that shows the marker, and the bytes
            // handed to xterm.js meanwhile (a tab that falls behind may be sent less than the board printed).
            armFlood(marker) {
              const t = term(), write = t.write, flood = this.flood = { writes: 0, lastWrite: 0, renders: 0, lastRender: 0, contextsLost: 0 };
              let start = 0, drawn = 0;
              t.write = (data, callback) => { drawn += data.length; flood.writes++; flood.lastWrite = performance.now(); return write.call(t, data, callback); };
              t.onRender(() => { flood.renders++; flood.lastRender = performance.now(); });
              document.addEventListener('webglcontextlost', () => flood.contextsLost++, true);
              onNextKeydown(() => { start = performance.now(); });
              this.pending = bounded(new Promise(resolve => {
                const rendered = t.onRender(() => {
                  if (start && this.screenHas(marker)) {
                    rendered.dispose();
                    t.write = write;
                    resolve({ ms: performance.now() - start, drawn });
                  }
                });
              }), "the flood's end marker");
            },
          };
        })();
        """;

    private sealed record Percentiles(double P50, double P99)
    {
        public static Percentiles Of(List<double> values)
        {
            if (values.Count == 0)
            {
                return new(double.NaN, double.NaN);
            }

            values.Sort();
            return new(values[values.Count / 2], values[Math.Min(values.Count - 1, (int)(values.Count * 0.99))]);
        }
    }

    /// <summary>Echo latency, split in the tab at the output's arrival, and for the portal its legs (<see cref="ConsoleTrace.Legs"/>) over the keys whose every step was seen.</summary>
    private sealed record TerminalResult(Percentiles Latency, Percentiles ToTab, Percentiles Drawing, Percentiles FrameWait, IReadOnlyList<Percentiles> Legs, int SplitKeys, double MegabytesPerSecond, double DrawnMegabytes, double RssBeforeMiB, double RssPeakMiB, double GcHeapPeakMiB, string Renderer);

    /// <summary>The board: an interactive bash on a pty, reached through the pty socat links at <see cref="Device"/>.</summary>
    private sealed class BoardShell(Process socat, string device) : IAsyncDisposable
    {
        public string Device { get; } = device;

        public static async Task<BoardShell> StartAsync(string device)
        {
            var start = new ProcessStartInfo(Socat, [$"pty,raw,echo=0,link={device}", "exec:/bin/bash --norc -i,pty,setsid,ctty,stderr,sane"])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
            };
            start.Environment["PS1"] = Prompt;
            start.Environment["HISTFILE"] = "/dev/null";
            var socat = Process.Start(start)!;
            await WaitForDeviceAsync(socat, device);

            return new BoardShell(socat, device);
        }

        public async ValueTask DisposeAsync()
        {
            if (!socat.HasExited)
            {
                socat.Kill(entireProcessTree: true);
                await socat.WaitForExitAsync();
            }

            socat.Dispose();
        }
    }
}
