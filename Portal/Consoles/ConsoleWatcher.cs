using System.Threading.Channels;

namespace Portal.Consoles;

/// <summary>
/// One browser (or test) watching a board's console. Output reaches it in order through <c>deliver</c>; it says how
/// much it has shown with <see cref="Acknowledge"/>. Above the high watermark it stops receiving (so a slow tab costs
/// neither memory nor the other watchers anything) and, once it has caught up, is resynced from the scrollback.
/// </summary>
public sealed class ConsoleWatcher : IAsyncDisposable
{
    /// <summary>Sent before a resync: resets the terminal, then the scrollback is replayed.</summary>
    internal static readonly byte[] TerminalReset = "\u001bc"u8.ToArray();

    internal const int MostPerDelivery = 64 * 1024;

    private readonly ConsoleSession _session;
    private readonly Func<ReadOnlyMemory<byte>, Task> _deliver;
    private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _pump;
    private readonly TerminalFlowControl _flow;
    private readonly int _high;
    private long _queued;
    private bool _lagging;
    private volatile bool _lossless;
    private readonly bool _deliveryAcknowledges;

    internal ConsoleWatcher(ConsoleSession session, Func<ReadOnlyMemory<byte>, Task> deliver, int high, int low, bool lossless)
    {
        _session = session;
        _deliver = deliver;
        _high = high;
        _lossless = lossless;
        _deliveryAcknowledges = lossless;
        _flow = new TerminalFlowControl(high, low);
        _pump = Task.Run(PumpAsync);
    }

    public string Board => _session.Board;

    /// <summary>Bytes sent but not yet acknowledged; never far above the high watermark.</summary>
    public long InFlight => _flow.InFlight;

    /// <summary>Types into the console. Whether this watcher may do so is decided by the caller.</summary>
    public Task WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken) => _session.WriteAsync(input, cancellationToken);

    /// <summary>Whether the board's console can send a serial break (a serial port or a simulated board can; raw TCP cannot).</summary>
    public bool CanSendBreak => _session.CanSendBreak;

    /// <summary>Sends a break; false when the console cannot or is away. Whether this watcher may is decided by <see cref="ConsoleBreakService"/>.</summary>
    public Task<bool> SendBreakAsync(CancellationToken cancellationToken) => _session.SendBreakAsync(cancellationToken);

    /// <summary>The browser says it drew this many bytes. It cannot take more credit than it was sent.</summary>
    public void Acknowledge(int bytes)
    {
        var caughtUp = _flow.Acknowledge(bytes);
        // Pairs with the barrier in Offer: of an acknowledgement and a lag that cross, one sees the other.
        Interlocked.MemoryBarrier();
        if (caughtUp && Volatile.Read(ref _lagging))
        {
            _session.Resync(this);
        }
    }

    /// <summary>
    /// A watcher that must get every byte (the recorder): instead of dropping what it has not acknowledged, the
    /// session reads the console no further until it has room. Its delivery is its acknowledgement (the recorder's
    /// delivery writes the file). It stops holding the console once it is disposed or its delivery failed.
    /// </summary>
    internal bool Lossless => _lossless;

    /// <summary>Completes once this watcher has acknowledged enough to take more (at once while it is within its window).</summary>
    internal Task WaitForRoomAsync(CancellationToken cancellationToken) => _flow.WaitForRoomAsync(cancellationToken);

    /// <summary>Queues output; the session calls it under its lock, so output stays in order.</summary>
    internal void Offer(byte[] data, bool force = false)
    {
        if (_lagging && !force)
        {
            return;
        }

        // Bytes not yet handed to the browser count too, so whatever it acknowledges, the outbox stays bounded.
        if (force || _lossless)
        {
            _flow.Sent(data.Length);
        }
        else if (Interlocked.Read(ref _queued) + data.Length > _high || !_flow.TrySend(data.Length))
        {
            Volatile.Write(ref _lagging, true);
            // An acknowledgement between the check above and the flag found no lag to end and may have been the last one
            // to come. The session's lock, held here, lets the same thread in again.
            Interlocked.MemoryBarrier();
            ResyncIfNothingWillAcknowledge();
            return;
        }

        Interlocked.Add(ref _queued, data.Length);
        _outbox.Writer.TryWrite(data);
    }

    /// <summary>Under the session's lock: replaces what the watcher missed by a reset and the scrollback.</summary>
    internal void ResyncWith(byte[] scrollback)
    {
        if (!_lagging)
        {
            return;
        }

        _lagging = false;
        Offer(TerminalReset, force: true);
        Offer(scrollback, force: true);
    }

    public async ValueTask DisposeAsync()
    {
        _session.Detach(this);
        StopHolding();
        _outbox.Writer.TryComplete();
        await _pump;
    }

    private async Task PumpAsync()
    {
        while (await _outbox.Reader.WaitToReadAsync())
        {
            var chunk = TakeQueued(_outbox.Reader);
            try
            {
                using (ConsoleTracing.StartDelivery(_deliveryAcknowledges))
                {
                    await _deliver(chunk);
                }

                Interlocked.Add(ref _queued, -chunk.Length);
                if (_deliveryAcknowledges)
                {
                    _flow.Acknowledge(chunk.Length);
                }

                // A watcher that acknowledged this delivery before it returned, and lagged meanwhile, hears nothing else.
                ResyncIfNothingWillAcknowledge();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The page went away mid-delivery; its disposal detaches this watcher.
                StopHolding();
                _outbox.Writer.TryComplete();
                return;
            }
        }
    }

    /// <summary>
    /// What queued while the last delivery was on its way leaves as one delivery of at most <see cref="MostPerDelivery"/>
    /// bytes: a page that is slow to answer (a busy tab while a board boots) gets fewer, larger writes instead of falling
    /// further behind by one round trip per chunk.
    /// </summary>
    internal static byte[] TakeQueued(ChannelReader<byte[]> outbox)
    {
        outbox.TryRead(out var first);
        List<byte[]> parts = [first!];
        var total = first!.Length;
        while (outbox.TryPeek(out var next) && total + next.Length <= MostPerDelivery && outbox.TryRead(out next))
        {
            parts.Add(next);
            total += next.Length;
        }

        if (parts.Count == 1)
        {
            return first;
        }

        var joined = new byte[total];
        var at = 0;
        foreach (var part in parts)
        {
            part.CopyTo(joined, at);
            at += part.Length;
        }

        return joined;
    }

    /// <summary>
    /// Resyncs a lagging watcher that has nothing queued and is caught up (at or under the low watermark): the
    /// acknowledgement that would have ended its lag may already have come and gone. Where one is still to come, this only
    /// resyncs a little earlier. Called after each of the two changes that can leave a watcher so (a lag, a delivery
    /// counted off), each behind a full barrier, so of two that cross one sees the other.
    /// </summary>
    private void ResyncIfNothingWillAcknowledge()
    {
        if (Volatile.Read(ref _lagging) && Interlocked.Read(ref _queued) == 0 && _flow.CaughtUp)
        {
            _session.Resync(this);
        }
    }

    /// <summary>A lossless watcher that can take no more lets the console be read again.</summary>
    private void StopHolding()
    {
        _lossless = false;
        _flow.Acknowledge(int.MaxValue);
    }
}
