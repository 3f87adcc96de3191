namespace Portal.Consoles;

/// <summary>
/// The flow control of every browser terminal (the serial console and the shell tabs): it counts the bytes sent to
/// the browser and not yet drawn (the browser acknowledges what xterm.js rendered). Above the high watermark the
/// sender stops: the serial console drops output and resyncs the tab from the scrollback, a shell stops reading so
/// the shell itself waits. Sending resumes once the browser has caught up to the low watermark.
/// </summary>
public sealed class TerminalFlowControl(int highWatermark, int lowWatermark)
{
    private readonly Lock _gate = new();
    private long _inFlight;
    private TaskCompletionSource? _caughtUp;

    /// <summary>Bytes sent but not yet acknowledged.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Whether the browser has drawn all but the low watermark of what it was sent.</summary>
    public bool CaughtUp
    {
        get
        {
            lock (_gate)
            {
                return _inFlight <= lowWatermark;
            }
        }
    }

    /// <summary>Counts <paramref name="bytes"/> as sent if they fit under the high watermark; false when the browser is too far behind.</summary>
    public bool TrySend(int bytes)
    {
        lock (_gate)
        {
            if (_inFlight + bytes > highWatermark)
            {
                return false;
            }

            _inFlight += bytes;
            return true;
        }
    }

    /// <summary>Counts bytes that are sent whatever the window says (a resync after the browser caught up).</summary>
    public void Sent(int bytes)
    {
        lock (_gate)
        {
            _inFlight += bytes;
        }
    }

    /// <summary>Waits while more than the high watermark is unacknowledged, until the browser caught up to the low one.</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_inFlight <= highWatermark)
            {
                return Task.CompletedTask;
            }

            _caughtUp ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _caughtUp.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The browser drew this many bytes (it cannot take more credit than it was sent); true when it is at or below the low watermark.</summary>
    public bool Acknowledge(int bytes)
    {
        TaskCompletionSource? caughtUp = null;
        bool low;
        lock (_gate)
        {
            _inFlight = Math.Max(0, _inFlight - Math.Max(0, bytes));
            low = _inFlight <= lowWatermark;
            if (low)
            {
                (caughtUp, _caughtUp) = (_caughtUp, null);
            }
        }

        caughtUp?.TrySetResult();
        return low;
    }
}
