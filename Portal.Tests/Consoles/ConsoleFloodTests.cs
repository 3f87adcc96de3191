using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Consoles;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Consoles;

/// <summary>
/// 50 MB through a real serial line (a socat pty) to two watchers, one that keeps up and one that stops
/// acknowledging for 10 s, while the reservation is recorded: both end with the board's last line, the recording is complete.
/// </summary>
public sealed class ConsoleFloodTests : IAsyncLifetime
{
    private const string Marker = "FLOOD-END-MARKER";
    private const int Lines = 500_000; // 100 bytes each: 50 MB
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-flood-").FullName;
    private PtyPair _line = null!;

    public async Task InitializeAsync()
    {
        _line = new PtyPair(_directory);
        if (File.Exists(PtyPair.Socat))
        {
            await _line.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await _line.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [SocatFact]
    public async Task AFloodThroughAPtyReachesAFastAndAStalledWatcherAndTheRecordingWhole()
    {
        await using var portal = new PortalFactory()
            .WithSetting("Lab:Boards:0:Console:Driver", "serial")
            .WithSetting("Lab:Boards:0:Console:Device", _line.Device);
        await FloodTwoWatchersAsync(portal);
    }

    [Ser2netFact]
    public async Task AFloodThroughSer2netReachesAFastAndAStalledWatcherAndTheRecordingWhole()
    {
        await using var ser2net = await Ser2net.StartAsync(_line.Device, _directory);
        await using var portal = new PortalFactory()
            .WithSetting("Lab:Boards:0:Console:Driver", "tcp")
            .WithSetting("Lab:Boards:0:Console:Host", "127.0.0.1")
            .WithSetting("Lab:Boards:0:Console:Port", ser2net.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await FloodTwoWatchersAsync(portal);
    }

    private async Task FloodTwoWatchersAsync(PortalFactory portal)
    {
        var holder = await portal.CreateUserAsync("flood@lab.test", "Flood-Pass-123");
        var id = (await portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(holder, "pine-01", null, CancellationToken.None)).Reservation!.Id;
        var broker = portal.Services.GetRequiredService<ConsoleBroker>();
        var fast = new Tail();
        var stalled = new Tail();
        ConsoleWatcher? fastWatcher = null;
        fastWatcher = broker.Watch("pine-01", data =>
        {
            fast.Add(data.Span);
            fastWatcher!.Acknowledge(data.Length);
            return Task.CompletedTask;
        }, replayScrollback: false)!;
        await using var _ = fastWatcher;
        await using var stalledWatcher = broker.Watch("pine-01", data =>
        {
            stalled.Add(data.Span);
            return Task.CompletedTask;
        }, replayScrollback: false)!;

        var sent = await FloodAsync();
        await Task.Delay(TimeSpan.FromSeconds(10) - sent.Elapsed is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        stalledWatcher.Acknowledge(int.MaxValue);

        // The flood's 50 MB still pass the watchers and the recorder after the board wrote them: on a machine busy with
        // the rest of the suite that took more than 10 s (a fresh-clone run's PostgreSQL pass).
        var drained = TimeSpan.FromSeconds(60);
        await PtyPair.WaitUntilAsync(() => fast.EndsWith(Marker), "the marker at the fast watcher", drained);
        await PtyPair.WaitUntilAsync(
            () =>
            {
                stalledWatcher.Acknowledge(int.MaxValue);
                return stalled.EndsWith(Marker);
            },
            "the marker at the watcher that stalled",
            drained);
        var log = portal.Services.GetRequiredService<ConsoleRecorder>().LogPath(id);
        // The recorder is a watcher too: once the others have the marker, it has had time to write it.
        await PtyPair.WaitUntilAsync(() => SharedFile.ReadAllText(log).EndsWith(Marker + "\r\n", StringComparison.Ordinal), "the marker in the recording", drained);
        var recorded = SharedFile.ReadAllText(log);
        Assert.True(sent.Bytes == recorded.Length, $"recorded {recorded.Length} of {sent.Bytes} bytes; resets: {recorded.Split("\u001bc").Length - 1}; notes: {string.Join(" | ", recorded.Split("\r\n").Where(l => l.StartsWith('[')))}");
        Assert.True(fast.Total >= sent.Bytes, $"the fast watcher got {fast.Total} of {sent.Bytes} bytes");
    }

    private async Task<(long Bytes, TimeSpan Elapsed)> FloodAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var board = _line.OpenPeer();
        var block = new StringBuilder();
        long bytes = 0;
        for (var i = 0; i < Lines; i++)
        {
            block.Append(i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture)).Append(' ', 90).Append("\r\n");
            if (block.Length >= 64 * 1024 || i == Lines - 1)
            {
                var chunk = Encoding.ASCII.GetBytes(block.ToString());
                await board.WriteAsync(chunk);
                bytes += chunk.Length;
                block.Clear();
            }
        }

        var end = Encoding.ASCII.GetBytes($"{Marker}\r\n");
        await board.WriteAsync(end);
        return (bytes + end.Length, started.Elapsed);
    }

    /// <summary>The last bytes a watcher got (what its screen ends with) and how many it got in all.</summary>
    private sealed class Tail
    {
        private readonly Lock _gate = new();
        private readonly StringBuilder _last = new();

        public long Total { get; private set; }

        public void Add(ReadOnlySpan<byte> data)
        {
            lock (_gate)
            {
                Total += data.Length;
                _last.Append(Encoding.ASCII.GetString(data[Math.Max(0, data.Length - 256)..]));
                if (_last.Length > 256)
                {
                    _last.Remove(0, _last.Length - 256);
                }
            }
        }

        public bool EndsWith(string marker)
        {
            lock (_gate)
            {
                return _last.ToString().EndsWith(marker + "\r\n", StringComparison.Ordinal);
            }
        }
    }
}
