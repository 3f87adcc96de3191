using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Consoles;
using Portal.Hardware;
using Portal.Lab;
using Portal.Observability;
using Portal.Tests.Support;

namespace Portal.Tests.Consoles;

public sealed class ConsoleBrokerTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-broker-").FullName;
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddMetrics().AddHardware().BuildServiceProvider();
    private readonly TestDatabase _database = new();
    private readonly LabOptions _lab = new();
    private readonly ConsoleOptions _options = new() { ScrollbackBytes = 8 * 1024, HighWatermark = 64 * 1024, LowWatermark = 8 * 1024, ReconnectDelay = TimeSpan.FromMilliseconds(100) };
    private readonly List<ConsoleWatcher> _watchers = [];
    private ConsoleBroker _broker = null!;

    public Task InitializeAsync()
    {
        var metrics = new PortalMetrics(_services.GetRequiredService<IMeterFactory>(), _database);
        _broker = new ConsoleBroker(_services.GetRequiredService<DriverFactory>(), new StaticOptionsMonitor<LabOptions>(_lab), Options.Create(_options), TimeProvider.System, NullLoggerFactory.Instance, metrics);
        return Task.CompletedTask;
    }

    private static List<string> OpenFiles() =>
        [.. new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Select(fd => fd.LinkTarget ?? "")];

    public async Task DisposeAsync()
    {
        foreach (var watcher in _watchers)
        {
            await watcher.DisposeAsync();
        }

        await _services.DisposeAsync();
        _database.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TwoWatchersSeeTheSameOutput()
    {
        Board("sim-1", ("Driver", "simulated"));
        var alice = Watch("sim-1");
        var bob = Watch("sim-1");

        await alice.Watcher.WriteAsync("echo shared\r"u8.ToArray(), CancellationToken.None);

        await alice.WaitForAsync("shared\r\nroot@sim-1:~# ");
        await bob.WaitForAsync("shared\r\nroot@sim-1:~# ");
    }

    [Fact]
    public async Task ALateWatcherGetsTheScrollbackFirst()
    {
        Board("sim-2", ("Driver", "simulated"));
        var first = Watch("sim-2");
        await first.Watcher.WriteAsync("echo earlier\r"u8.ToArray(), CancellationToken.None);
        await first.WaitForAsync("earlier\r\n");

        var late = Watch("sim-2");

        await late.WaitForAsync("echo earlier\r\nearlier\r\n");
    }

    [Fact]
    public void OutputQueuedBehindASlowDeliveryLeavesAsOneDeliveryOfAtMost64KiB()
    {
        var outbox = Channel.CreateUnbounded<byte[]>();
        outbox.Writer.TryWrite("line 1\r\n"u8.ToArray());
        outbox.Writer.TryWrite("line 2\r\n"u8.ToArray());
        outbox.Writer.TryWrite(new byte[ConsoleWatcher.MostPerDelivery - 10]);
        outbox.Writer.TryWrite("line 3\r\n"u8.ToArray());

        var first = ConsoleWatcher.TakeQueued(outbox.Reader);
        var second = ConsoleWatcher.TakeQueued(outbox.Reader);

        Assert.Equal("line 1\r\nline 2\r\n", Encoding.ASCII.GetString(first));
        Assert.Equal(ConsoleWatcher.MostPerDelivery - 10 + 8, second.Length);
        Assert.EndsWith("line 3\r\n", Encoding.ASCII.GetString(second));
        Assert.False(outbox.Reader.TryRead(out _));
    }

    [Fact]
    public void ScrollbackKeepsOnlyTheNewestBytes()
    {
        var ring = new ScrollbackRing(8);

        ring.Append("abcdef"u8);
        ring.Append("ghij"u8);

        Assert.Equal("cdefghij", Encoding.ASCII.GetString(ring.Snapshot()));
        ring.Append("0123456789"u8);
        Assert.Equal("23456789", Encoding.ASCII.GetString(ring.Snapshot()));
    }

    [Fact]
    public async Task AFloodingBoardNeitherGrowsAStalledWatchersBacklogNorStopsTheOthers()
    {
        using var flood = new TcpListener(IPAddress.Loopback, 0);
        flood.Start();
        var port = ((IPEndPoint)flood.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var source = Task.Run(async () =>
        {
            using var client = await flood.AcceptTcpClientAsync(stop.Token);
            var line = Encoding.ASCII.GetBytes(new string('y', 1023) + "\n");
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await client.GetStream().WriteAsync(line, stop.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // the test is over
            }
        });
        Board("flood", ("Driver", "tcp"), ("Host", "127.0.0.1"), ("Port", port.ToString(CultureInfo.InvariantCulture)));
        using var resyncs = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), PortalMetrics.MeterName, "portal.console.resyncs");
        var stalled = Watch("flood", acknowledge: false);
        var reader = Watch("flood");

        await reader.WaitForBytesAsync(4 * 1024 * 1024);

        Assert.InRange(stalled.Watcher.InFlight, 1, _options.HighWatermark);
        Assert.InRange(stalled.Received, 1, _options.HighWatermark);

        // Once the stalled tab has drawn what it had, it is reset and given the scrollback, not the flood it missed.
        stalled.Watcher.Acknowledge((int)stalled.Watcher.InFlight);
        await stalled.WaitForAsync("\u001bc");
        Assert.InRange(stalled.Watcher.InFlight, 1, _options.HighWatermark);
        Assert.Contains(resyncs.GetMeasurementSnapshot(), resync => (string?)resync.Tags["board"] == "flood");
        await stop.CancelAsync();
        await source;
    }

    [Fact]
    public async Task AWatcherThatDrewEverythingWhileItsDeliveryWasStillCountedAsQueuedIsResyncedNotLeftBehind()
    {
        // A board that says nothing: the test offers the output itself, in the order that lost the watcher before.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        Board("quiet", ("Driver", "tcp"), ("Host", "127.0.0.1"), ("Port", ((IPEndPoint)silent.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)));
        var inFullDelivery = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finishDelivery = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reset = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ConsoleWatcher watcher = null!;
        watcher = _broker.Watch("quiet", async data =>
        {
            watcher.Acknowledge(data.Length);
            if (data.Span.IndexOf(ConsoleWatcher.TerminalReset) >= 0)
            {
                reset.TrySetResult();
            }

            if (data.Length == _options.HighWatermark)
            {
                // Drawn and acknowledged, but the delivery has not returned yet: its bytes still count as queued.
                inFullDelivery.TrySetResult();
                await finishDelivery.Task;
            }
        }, replayScrollback: false)!;
        _watchers.Add(watcher);

        watcher.Offer(new byte[_options.HighWatermark]);
        await inFullDelivery.Task.WaitAsync(TimeSpan.FromSeconds(10));
        watcher.Offer("more"u8.ToArray());
        finishDelivery.SetResult();

        // Nothing is unacknowledged, so no acknowledgement will come to end the lag: the lag itself must resync.
        await reset.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AWatcherCannotWidenItsBacklogByAcknowledgingMoreThanItWasSent()
    {
        Board("sim-3", ("Driver", "simulated"));
        var greedy = Watch("sim-3", acknowledge: false);
        await greedy.Watcher.WriteAsync("echo x\r"u8.ToArray(), CancellationToken.None);
        await greedy.WaitForAsync("x\r\nroot@sim-3");

        greedy.Watcher.Acknowledge(int.MaxValue);
        greedy.Watcher.Acknowledge(-5);

        Assert.Equal(0, greedy.Watcher.InFlight);
    }

    [SocatFact]
    public async Task AVanishedSerialDeviceIsReportedAndTheConsoleComesBackByItself()
    {
        await using var line = new PtyPair(_directory);
        await line.StartAsync();
        Board("usb-board", ("Driver", "serial"), ("Device", line.Device));
        var watcher = Watch("usb-board");
        await using (var board = line.OpenPeer())
        {
            await board.WriteAsync("login: "u8.ToArray());
            await watcher.WaitForAsync("login: ");
        }

        await line.UnplugAsync();
        await watcher.WaitForAsync($"[console lost: {line.Device} not found; retrying]");

        await line.StartAsync();
        await watcher.WaitForAsync($"[console back: {line.Device}]");
        await using var replugged = line.OpenPeer();
        await replugged.WriteAsync("login again: "u8.ToArray());
        await watcher.WaitForAsync("login again: ");
    }

    [SocatFact]
    public async Task AStoppingPortalClosesItsConsolesDevicesWhileTheyAreWatched()
    {
        await using var line = new PtyPair(_directory);
        await line.StartAsync();
        Board("stopping-board", ("Driver", "serial"), ("Device", line.Device));
        var watcher = Watch("stopping-board");
        await using (var board = line.OpenPeer())
        {
            await board.WriteAsync("U-Boot> "u8.ToArray());
            await watcher.WaitForAsync("U-Boot> ");
        }

        var device = new FileInfo(line.Device).ResolveLinkTarget(returnFinalTarget: true)!.FullName;
        Assert.Contains(device, OpenFiles());

        await _broker.DisposeAsync();

        // Nothing of this process holds the board's device any more, though a watcher is still attached.
        Assert.DoesNotContain(device, OpenFiles());
    }

    [SocatFact]
    public async Task ALentSerialDeviceIsFreeForItsBorrowerAndTheConsoleReturnsWithIt()
    {
        await using var line = new PtyPair(_directory);
        await line.StartAsync();
        Board("lent-board", ("Driver", "serial"), ("Device", line.Device));
        var watcher = Watch("lent-board");
        await using var board = line.OpenPeer();
        await board.WriteAsync("before "u8.ToArray());
        await watcher.WaitForAsync("before ");

        var loan = _broker.Lend("lent-board", "sandbox portal-sandbox-7");
        await loan.Closed;

        await watcher.WaitForAsync($"[console lent to sandbox portal-sandbox-7: {line.Device} is in use there]");
        // A serial port is opened exclusively: the borrower's open succeeds only because the console let go.
        using (var borrower = new System.IO.Ports.SerialPort(line.Device))
        {
            borrower.Open();
            borrower.Write("from the borrower");
            await PtyPair.ReadUntilAsync(board, "from the borrower");
        }

        loan.Dispose();
        await watcher.WaitForAsync($"[console back: {line.Device}]");
        await board.WriteAsync("after "u8.ToArray());
        await watcher.WaitForAsync("after ");
    }

    private void Board(string name, params (string Key, string Value)[] console)
    {
        var board = new BoardOptions { Name = name, Class = "test" };
        foreach (var (key, value) in console)
        {
            board.Console[key] = value;
        }

        _lab.Boards.Add(board);
    }

    private OutputCollector Watch(string board, bool acknowledge = true)
    {
        var collector = new OutputCollector();
        var watcher = _broker.Watch(board, data => collector.Deliver(data, acknowledge))!;
        collector.Watcher = watcher;
        _watchers.Add(watcher);
        return collector;
    }
}
