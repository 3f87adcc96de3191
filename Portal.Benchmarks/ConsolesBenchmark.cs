using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Components.Circuits;

namespace Portal.Benchmarks;

/// <summary>
/// How many live consoles one portal serves: N real circuits (headless, see <see cref="HeadlessCircuit"/>, in a
/// separate process) each on the console page of one of 50 boards, every board printing a steady 1 KB/s (ten 100-byte
/// lines a second, as a chatty boot log). The boards are socat ptys the portal opens with its <c>serial</c> driver;
/// the client process writes each line with the time it wrote it, and takes the delivery latency when that line
/// reaches a circuit's terminal (write → pty → portal → circuit → WebSocket → client). Reports the portal's CPU, its
/// memory per circuit (managed heap and RSS after a forced GC, less the same before any circuit opened) and latency.
/// </summary>
internal static class ConsolesBenchmark
{
    public const string Usage = "consoles [circuits=500] [seconds=60] [boards=50]";

    public const string ClientsUsage = "consoles-clients DIRECTORY BOARDS (the consoles benchmark's boards and circuits; reads commands)";

    private const string Socat = "/usr/bin/socat";
    private const string Password = "Console-Pass-123";
    private const int LineBytes = 100;
    private static readonly TimeSpan LineInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var circuits = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60;
        var boards = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50;
        if (!File.Exists(Socat))
        {
            await Console.Error.WriteLineAsync($"consoles benchmark: {Socat} is missing (Debian package socat)");
            return 2;
        }

        var directory = Directory.CreateTempSubdirectory("portal-consoles-").FullName;
        try
        {
            // The boards' ptys exist before the portal starts: a board whose device is missing starts offline.
            using var clients = ClientProcess.Start(directory, boards);
            await clients.ExpectAsync("boards ");
            var perUser = (circuits + boards - 1) / boards;
            var settings = new Dictionary<string, string?>
            {
                ["Lab:Classes:bench:Arch"] = "x86_64",
                ["Circuits:MaxTotal"] = Math.Max(circuits, new CircuitLimitOptions().MaxTotal).ToString(CultureInfo.InvariantCulture),
                ["Circuits:MaxPerUser"] = Math.Max(perUser, new CircuitLimitOptions().MaxPerUser).ToString(CultureInfo.InvariantCulture),
                ["Portal:RateLimits:LoginAttemptsPerMinute"] = "100000",
                // Consoles close with their last page, before the boards go away at the end.
                ["Consoles:IdleClose"] = "00:00:00",
            };
            for (var board = 0; board < boards; board++)
            {
                // Beyond the demo lab's boards, which stay as they are.
                var key = $"Lab:Boards:{100 + board}";
                settings[$"{key}:Name"] = BoardName(board);
                settings[$"{key}:Class"] = "bench";
                settings[$"{key}:Power:Driver"] = "simulated";
                settings[$"{key}:Console:Driver"] = "serial";
                settings[$"{key}:Console:Device"] = Device(directory, board);
            }

            await using var portal = new BenchmarkPortal(Path.Combine(directory, "portal"), settings);
            Directory.CreateDirectory(Path.Combine(directory, "portal"));
            var address = portal.StartOnLoopback();
            var users = portal.Services.GetRequiredService<UserAdminService>();
            var admin = await portal.AdminAsync();
            for (var board = 0; board < boards; board++)
            {
                var created = await users.CreateAsync(admin, new NewUser(UserEmail(board), Password, false, []), CancellationToken.None);
                if (!created.Succeeded)
                {
                    throw new InvalidOperationException($"creating {UserEmail(board)}: {created.Error}");
                }
            }

            // Before any circuit, with half of them and with all: the first half also pays what the first page of a
            // kind costs once (the boards' consoles opened, their scrollback, caches), the second half only circuits.
            var (heapBefore, rssBefore) = ServerMemory();
            var opening = Stopwatch.StartNew();
            var half = circuits / 2;
            await clients.SendAsync($"open {address} {half}");
            await clients.ExpectAsync("opened ");
            await Task.Delay(WarmUp);
            var (heapHalf, rssHalf) = ServerMemory();
            await clients.SendAsync($"open {address} {circuits - half}");
            await clients.ExpectAsync("opened ");
            var opened = opening.Elapsed - WarmUp;
            await Task.Delay(WarmUp);

            using var self = Process.GetCurrentProcess();
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var threadsBefore = ThreadCpu.Read();
            var wall = Stopwatch.StartNew();
            await clients.SendAsync($"measure {seconds}");
            var delivery = await clients.ExpectAsync("latency ");
            self.Refresh();
            var cpu = (self.TotalProcessorTime - cpuBefore) / wall.Elapsed;
            var byThread = ThreadCpu.Since(threadsBefore, wall.Elapsed);
            var connected = portal.Services.GetRequiredService<CircuitLimits>().Connected;
            var (heapAfter, rssAfter) = ServerMemory();

            Console.WriteLine($"consoles benchmark: {circuits} circuits on the console pages of {boards} boards printing {LineBytes * TimeSpan.FromSeconds(1) / LineInterval / 1000.0:0.#} KB/s each ({LineBytes}-byte lines), measured {seconds} s after {WarmUp.TotalSeconds:0} s of warm-up, on {Environment.ProcessorCount} cores");
            Console.WriteLine($"circuits opened in {opened.TotalSeconds:0.0} s; connected at the end (the portal's count): {connected}");
            Console.WriteLine($"server CPU: {cpu:0.00} cores ({cpu / Environment.ProcessorCount:P0} of the machine), the portal's process (this one; the clients and boards run in another)");
            Console.WriteLine($"  by thread name (cores): {string.Join(", ", byThread.Select(t => $"{t.Name} {t.Cores:0.00} ({t.Threads})"))}");
            Console.WriteLine($"server memory per circuit: managed heap {(heapAfter - heapBefore) / circuits / 1024:0} KiB, RSS {(rssAfter - rssBefore) / circuits / 1024:0} KiB (target 550 KiB); heap {heapBefore / 1048576:0} → {heapHalf / 1048576:0} → {heapAfter / 1048576:0} MiB, RSS {rssBefore / 1048576:0} → {rssHalf / 1048576:0} → {rssAfter / 1048576:0} MiB with 0, {half} and {circuits} circuits");
            Console.WriteLine($"  each of the last {circuits - half} circuits alone: managed heap {(heapAfter - heapHalf) / (circuits - half) / 1024:0} KiB, RSS {(rssAfter - rssHalf) / (circuits - half) / 1024:0} KiB");
            Console.WriteLine($"delivery latency, board write → client receipt: {delivery} (target p99 100 ms)");

            // Pages close before the portal stops, as people leave before a restart.
            await clients.SendAsync("close");
            await clients.ExpectAsync("closed");
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// The client process: starts the boards (socat ptys, each written ten lines a second), then on "open ADDRESS N"
    /// logs in one user per board and opens N console pages, board by board in turn; on "measure SECONDS" reports the
    /// delivery latency of the lines written in that time.
    /// </summary>
    public static async Task<int> RunClientsAsync(string[] args)
    {
        var (directory, boardCount) = (args[0], int.Parse(args[1], CultureInfo.InvariantCulture));
        var boards = new List<Board>();
        try
        {
            for (var board = 0; board < boardCount; board++)
            {
                boards.Add(await Board.StartAsync(board, Device(directory, board)));
            }

            Console.WriteLine($"boards {boardCount}");
            var receivers = new List<Receiver>();
            var circuits = new List<HeadlessCircuit>();
            while (Console.ReadLine() is { } command)
            {
                var words = command.Split(' ');
                if (words is ["open", var address, var count])
                {
                    await OpenAsync(new Uri(address), int.Parse(count, CultureInfo.InvariantCulture), boards, receivers, circuits);
                    Console.WriteLine($"opened {circuits.Count}");
                }
                else if (words is ["measure", var seconds])
                {
                    var from = Stopwatch.GetTimestamp();
                    foreach (var receiver in receivers)
                    {
                        receiver.Measure(from);
                    }

                    await Task.Delay(TimeSpan.FromSeconds(int.Parse(seconds, CultureInfo.InvariantCulture)));
                    var until = Stopwatch.GetTimestamp();
                    // Lines written in the window that have not arrived a second after it count as not delivered.
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    Console.WriteLine($"latency {Receiver.Summary(receivers, from, until)}");
                }
                else if (words is ["close"])
                {
                    await CloseAsync(circuits);
                    Console.WriteLine("closed");
                }
            }

            await CloseAsync(circuits);
            return 0;
        }
        finally
        {
            foreach (var board in boards)
            {
                await board.DisposeAsync();
            }
        }
    }

    private static async Task OpenAsync(Uri address, int count, List<Board> boards, List<Receiver> receivers, List<HeadlessCircuit> circuits)
    {
        var boardCount = boards.Count;
        var cookies = new CookieContainer[boardCount];
        for (var board = 0; board < boardCount; board++)
        {
            cookies[board] = new CookieContainer();
            await HeadlessCircuit.LogInAsync(address, cookies[board], UserEmail(board), Password);
        }

        // A few at a time, as people arriving: each opening prerenders the page, then starts its circuit.
        using var gate = new SemaphoreSlim(4);
        var openings = Enumerable.Range(circuits.Count, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var board = i % boardCount;
                var receiver = new Receiver(boards[board]);
                var circuit = await HeadlessCircuit.OpenAsync(address, $"boards/{BoardName(board)}/console", cookies[board], receiver.Receive, CancellationToken.None);
                lock (circuits)
                {
                    receivers.Add(receiver);
                    circuits.Add(circuit);
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(openings);
    }

    private static async Task CloseAsync(List<HeadlessCircuit> circuits)
    {
        foreach (var circuit in circuits)
        {
            await circuit.DisposeAsync();
        }

        circuits.Clear();
    }

    private static string BoardName(int board) => $"cb-{board:D2}";

    private static string UserEmail(int board) => $"console-{board:D2}@lab.test";

    private static string Device(string directory, int board) => Path.Combine(directory, $"tty-{board:D2}");

    // The portal runs in this process and the clients in another, so this process's memory is the server's.
    private static (double Heap, double Rss) ServerMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var self = Process.GetCurrentProcess();
        return (heap, self.WorkingSet64);
    }

    /// <summary>
    /// CPU time of this process's threads by name, from /proc (Linux): e.g. System.IO.Ports runs one ".NET Long Running"
    /// thread per open serial port, the thread pool's are ".NET TP Worker".
    /// </summary>
    private static class ThreadCpu
    {
        private const double TicksPerSecond = 100; // USER_HZ, the unit of /proc's utime and stime

        public static Dictionary<int, (string Name, long Ticks)> Read()
        {
            var threads = new Dictionary<int, (string, long)>();
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    // After the name in parentheses: state, then utime and stime are the 12th and 13th fields.
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (File.ReadAllText(Path.Combine(task, "comm")).Trim(), ticks);
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }

            return threads;
        }

        /// <summary>Cores used by each thread name since <paramref name="before"/>, busiest first (threads that ended meanwhile are not counted).</summary>
        public static List<(string Name, double Cores, int Threads)> Since(Dictionary<int, (string Name, long Ticks)> before, TimeSpan elapsed) =>
            Read().Select(t => (t.Value.Name, Ticks: t.Value.Ticks - (before.TryGetValue(t.Key, out var was) ? was.Ticks : 0)))
                .GroupBy(t => t.Name)
                .Select(g => (g.Key, g.Sum(t => t.Ticks) / TicksPerSecond / elapsed.TotalSeconds, g.Count()))
                .Where(g => g.Item2 >= 0.005)
                .OrderByDescending(g => g.Item2)
                .ToList();
    }

    /// <summary>
    /// One circuit's terminal: splits what arrives into lines and, while measuring, takes the latency of each line the
    /// board wrote since the measurement began (older ones also arrive with the scrollback, and again after a resync).
    /// </summary>
    private sealed class Receiver(Board board)
    {
        private readonly Board _board = board;
        private readonly Lock _gate = new();
        private readonly List<(long Written, double Milliseconds)> _samples = [];
        private readonly StringBuilder _partial = new();
        private long _from = long.MaxValue;
        private long _lastSequence = -1;

        public void Measure(long from)
        {
            lock (_gate)
            {
                _from = from;
                _samples.Clear();
            }
        }

        public void Receive(byte[] data)
        {
            var now = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                _partial.Append(Encoding.ASCII.GetString(data));
                var text = _partial.ToString();
                var end = text.LastIndexOf('\n');
                if (end < 0)
                {
                    return;
                }

                _partial.Clear().Append(text, end + 1, text.Length - end - 1);
                foreach (var line in text[..end].Split('\n'))
                {
                    // "T<written> S<sequence> ...": anything else is a resync's terminal reset or a line the scrollback cut.
                    var fields = line.Split(' ', 3);
                    if (fields.Length < 2 || !fields[0].StartsWith('T') || !fields[1].StartsWith('S')
                        || !long.TryParse(fields[0].AsSpan(1), CultureInfo.InvariantCulture, out var written)
                        || !long.TryParse(fields[1].AsSpan(1), CultureInfo.InvariantCulture, out var sequence)
                        || sequence <= _lastSequence)
                    {
                        continue;
                    }

                    _lastSequence = sequence;
                    if (written >= _from)
                    {
                        _samples.Add((written, Stopwatch.GetElapsedTime(written, now).TotalMilliseconds));
                    }
                }
            }
        }

        /// <summary>p50, p99 and max over every circuit, and how many of the lines the boards wrote in the window did not arrive.</summary>
        public static string Summary(List<Receiver> receivers, long from, long until)
        {
            var latencies = new List<double>();
            long expected = 0;
            foreach (var receiver in receivers)
            {
                expected += receiver._board.LinesWritten(from, until);
                lock (receiver._gate)
                {
                    latencies.AddRange(receiver._samples.Where(s => s.Written < until).Select(s => s.Milliseconds));
                }
            }

            latencies.Sort();
            double At(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * p))];
            var lost = expected - latencies.Count;
            return string.Create(CultureInfo.InvariantCulture,
                $"p50 {At(0.5):0.0} ms, p99 {At(0.99):0.0} ms, max {At(1):0.0} ms over {latencies.Count} lines; {lost} of the {expected} lines written in the window not delivered within 1 s after it");
        }
    }

    /// <summary>
    /// A board: socat makes a pty at <c>device</c> (the portal opens it as a serial port) and copies its standard input
    /// into it; a loop writes a line every 100 ms with the time it was written and its sequence number.
    /// </summary>
    private sealed class Board(Process socat) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<long> _written = [];
        private Task _writer = Task.CompletedTask;

        /// <summary>How many lines this board wrote from <paramref name="from"/> until before <paramref name="until"/> (timestamps).</summary>
        public int LinesWritten(long from, long until)
        {
            lock (_written)
            {
                return _written.Count(t => t >= from && t < until);
            }
        }

        public static async Task<Board> StartAsync(int number, string device)
        {
            var start = new ProcessStartInfo(Socat, ["-u", "STDIN", $"pty,raw,echo=0,link={device}"])
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardError = true,
            };
            var socat = Process.Start(start)!;
            await ConsoleBenchmark.WaitForDeviceAsync(socat, device);

            var board = new Board(socat);
            board._writer = Task.Run(() => board.WriteLinesAsync(number, socat.StandardInput.BaseStream, board._stop.Token));
            return board;
        }

        private async Task WriteLinesAsync(int number, Stream input, CancellationToken cancellationToken)
        {
            // Boards out of step with each other, as real ones are.
            await Task.Delay(LineInterval * number / 50, cancellationToken);
            using var ticks = new PeriodicTimer(LineInterval);
            var filler = $" [board {number:D2}] boot: probing devices, loading modules, starting services ";
            for (long sequence = 0; await ticks.WaitForNextTickAsync(cancellationToken); sequence++)
            {
                var written = Stopwatch.GetTimestamp();
                lock (_written)
                {
                    _written.Add(written);
                }

                var head = $"T{written} S{sequence}";
                var line = (head + string.Concat(Enumerable.Repeat(filler, 3)))[..(LineBytes - 2)] + "\r\n";
                await input.WriteAsync(Encoding.ASCII.GetBytes(line), cancellationToken);
                await input.FlushAsync(cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _writer;
            }
            catch (OperationCanceledException)
            {
            }

            if (!socat.HasExited)
            {
                socat.Kill();
                await socat.WaitForExitAsync();
            }

            socat.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>The client process, driven line by line over its standard input and output.</summary>
    private sealed class ClientProcess(Process process) : IDisposable
    {
        public static ClientProcess Start(string directory, int boards)
        {
            var self = Environment.ProcessPath!;
            var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                start.ArgumentList.Add(typeof(ConsolesBenchmark).Assembly.Location);
            }

            foreach (var argument in new[] { "consoles-clients", directory, boards.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            return new ClientProcess(Process.Start(start)!);
        }

        public Task SendAsync(string command) => process.StandardInput.WriteLineAsync(command);

        public async Task<string> ExpectAsync(string prefix)
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line[prefix.Length..];
                }

                Console.WriteLine($"  clients: {line}");
            }

            throw new InvalidOperationException($"the client process ended (exit code {process.ExitCode})");
        }

        public void Dispose()
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }
    }
}
