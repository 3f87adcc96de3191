using System.Net.Sockets;
using System.Text;
using Portal.Hardware;

namespace Portal.Consoles;

/// <summary>
/// The one open connection to a board's console: reads it into the scrollback and out to every watcher, reopens it
/// when it goes away (saying so in the terminal), and closes a while after the last watcher left.
/// </summary>
internal sealed class ConsoleSession
{
    private readonly Lock _gate = new();
    private readonly IConsole _console;
    private readonly ConsoleOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Action<ConsoleSession> _closed;
    private readonly Observability.PortalMetrics _metrics;
    private readonly ScrollbackRing _scrollback;
    private readonly List<ConsoleWatcher> _watchers = [];
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _connection;
    private TaskCompletionSource? _returned;
    private TaskCompletionSource? _deviceClosed;
    private ITimer? _idleTimer;
    private readonly Health.BoardReachability? _reachability;

    public ConsoleSession(
        string board, IConsole console, ConsoleOptions options, TimeProvider clock, ILogger logger, Action<ConsoleSession> closed,
        Observability.PortalMetrics metrics, Health.BoardReachability? reachability = null)
    {
        _reachability = reachability;
        Board = board;
        _console = console;
        _options = options;
        _clock = clock;
        _logger = logger;
        _closed = closed;
        _metrics = metrics;
        _scrollback = new ScrollbackRing(options.ScrollbackBytes);
        _connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        _running = Task.Run(RunAsync);
    }

    public string Board { get; }

    public ConsoleWatcher Attach(Func<ReadOnlyMemory<byte>, Task> deliver, bool replayScrollback, bool lossless)
    {
        lock (_gate)
        {
            _idleTimer?.Dispose();
            _idleTimer = null;
            var watcher = new ConsoleWatcher(this, deliver, _options.HighWatermark, _options.LowWatermark, lossless);
            if (replayScrollback && _scrollback.Snapshot() is { Length: > 0 } scrollback)
            {
                watcher.Offer(scrollback, force: true);
            }

            _watchers.Add(watcher);
            return watcher;
        }
    }

    public void Detach(ConsoleWatcher watcher)
    {
        lock (_gate)
        {
            if (_watchers.Remove(watcher) && _watchers.Count == 0)
            {
                _idleTimer = _clock.CreateTimer(_ => CloseIfIdle(), null, _options.IdleClose, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Resync(ConsoleWatcher watcher)
    {
        lock (_gate)
        {
            watcher.ResyncWith(_scrollback.Snapshot());
        }

        _metrics.ConsoleResynced(Board);
    }

    /// <summary>
    /// Closes the console until <see cref="Return"/>, saying in the terminal who has the device; the task returned
    /// completes once the device is closed.
    /// </summary>
    public Task Lend(string borrower)
    {
        CancellationTokenSource connection;
        Task closed;
        bool already;
        lock (_gate)
        {
            already = _returned is not null;
            if (!already)
            {
                _returned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _deviceClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            connection = _connection;
            closed = _deviceClosed!.Task;
        }

        if (!already)
        {
            _logger.LogInformation("Console of {Board} ({Console}) lent to {Borrower}", Board, _console.Describe, borrower);
            Broadcast($"\r\n[console lent to {borrower}: {_console.Describe} is in use there]\r\n");
            connection.Cancel();
        }

        return closed;
    }

    public void Return()
    {
        TaskCompletionSource? returned;
        lock (_gate)
        {
            (returned, _returned) = (_returned, null);
        }

        returned?.TrySetResult();
    }

    public bool CanSendBreak => _console is IBreakableConsole;

    public Task WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken) =>
        UseStreamAsync(
            async stream =>
            {
                using var activity = ConsoleTracing.Source.StartActivity("console.input");
                await stream.WriteAsync(input, cancellationToken);
                await stream.FlushAsync(cancellationToken);
            },
            cancellationToken);

    /// <summary>False when the console cannot send a break or is away.</summary>
    public Task<bool> SendBreakAsync(CancellationToken cancellationToken) =>
        _console is IBreakableConsole breakable
            ? UseStreamAsync(stream => breakable.SendBreakAsync(stream, cancellationToken), cancellationToken)
            : Task.FromResult(false);

    /// <summary>Input and breaks, one at a time, on the open connection; false when the console is away.</summary>
    private async Task<bool> UseStreamAsync(Func<Stream, Task> action, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            // Keys typed while the console is still opening wait for it, briefly.
            var stream = await Volatile.Read(ref _stream).Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            await action(stream);
            return true;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or TimeoutException)
        {
            // The console is away; the terminal already says so, and the read loop reopens it.
            _logger.LogDebug(ex, "Writing to the console of {Board} failed", Board);
            return false;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task RunAsync()
    {
        var buffer = new byte[16 * 1024];
        string? lostBecause = null;
        while (!_stop.IsCancellationRequested)
        {
            var connection = CancellationToken.None;
            try
            {
                Task? returned;
                lock (_gate)
                {
                    returned = _returned?.Task;
                    _deviceClosed?.TrySetResult();
                    if (returned is null && _connection.IsCancellationRequested)
                    {
                        _connection.Dispose();
                        _connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    }

                    connection = _connection.Token;
                }

                if (returned is not null)
                {
                    // Away like a lost device, so its return is announced the same way (once, if it was lost before).
                    lostBecause ??= "lent out";
                    await returned.WaitAsync(_stop.Token);
                    continue;
                }

                await using var stream = await _console.OpenAsync(connection);
                Volatile.Read(ref _stream).TrySetResult(stream);
                _reachability?.Report(Board, Health.BoardReachability.Console, null);
                if (lostBecause is not null)
                {
                    _logger.LogInformation("Console of {Board} ({Console}) is back", Board, _console.Describe);
                    Broadcast($"\r\n[console back: {_console.Describe}]\r\n");
                    lostBecause = null;
                }

                while (true)
                {
                    await WaitForLosslessWatchersAsync(connection);
                    var read = await stream.ReadAsync(buffer, connection);
                    if (read == 0)
                    {
                        throw new EndOfStreamException("the connection was closed");
                    }

                    using (ConsoleTracing.Source.StartActivity("console.output"))
                    {
                        _metrics.ConsoleBytes(Board, read);
                        Broadcast(buffer.AsSpan(0, read).ToArray());
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (ConsoleMovedException ex)
            {
                // Another instance's watchers see the same line when it is this one that went.
                ForgetStream();
                _logger.LogInformation("Console of {Board} moved: {Reason}", Board, ex.Message);
                Broadcast("\r\n[console moved]\r\n");
                lostBecause = null;
            }
            catch (Exception) when (connection.IsCancellationRequested)
            {
                // Lent out (the driver may say so with its own exception): the loop waits for the device to come back.
                ForgetStream();
            }
            catch (Exception ex)
            {
                ForgetStream();
                var reason = Reason(ex);
                if (reason != lostBecause)
                {
                    _logger.LogWarning("Console of {Board} lost: {Console}: {Reason}; retrying", Board, _console.Describe, reason);
                    Broadcast($"\r\n[console lost: {reason}; retrying]\r\n");
                    lostBecause = reason;
                    _reachability?.Report(Board, Health.BoardReachability.Console, $"console lost: {reason}");
                }

                try
                {
                    await Task.Delay(_options.ReconnectDelay, _clock, connection);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    break;
                }
                catch (OperationCanceledException)
                {
                    // Lent out while waiting to retry.
                }
            }
        }

        ForgetStream();
        if (_console is IAsyncDisposable held)
        {
            // A console that holds the board beyond one connection (a cluster's lock) lets it go with the session.
            await held.DisposeAsync();
        }
    }

    /// <summary>The console is read no faster than its lossless watchers (the recorder) take it; the others drop and resync.</summary>
    private Task WaitForLosslessWatchersAsync(CancellationToken cancellationToken)
    {
        List<Task>? waits = null;
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                if (watcher.Lossless && watcher.WaitForRoomAsync(cancellationToken) is { IsCompleted: false } wait)
                {
                    (waits ??= []).Add(wait);
                }
            }
        }

        return waits is null ? Task.CompletedTask : Task.WhenAll(waits);
    }

    /// <summary>Later writes wait for the next connection instead of going to a closed stream.</summary>
    private void ForgetStream()
    {
        if (Volatile.Read(ref _stream).Task.IsCompleted)
        {
            Volatile.Write(ref _stream, new TaskCompletionSource<Stream>(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    private string Reason(Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"{_console.Describe} not found",
        UnauthorizedAccessException => $"{_console.Describe}: permission denied",
        SocketException socket => $"{_console.Describe}: {socket.Message}",
        _ => $"{_console.Describe}: {ex.Message}",
    };

    private void Broadcast(string text) => Broadcast(Encoding.UTF8.GetBytes(text));

    private void Broadcast(byte[] data)
    {
        lock (_gate)
        {
            _scrollback.Append(data);
            foreach (var watcher in _watchers)
            {
                watcher.Offer(data);
            }
        }
    }

    /// <summary>Closes the console whoever watches it (the portal is stopping); completes once its device is closed.</summary>
    public Task StopAsync()
    {
        _stop.Cancel();
        return _running;
    }

    private void CloseIfIdle()
    {
        lock (_gate)
        {
            if (_watchers.Count > 0)
            {
                return;
            }
        }

        _logger.LogInformation("Console of {Board} closed: nobody watched for {IdleClose}", Board, _options.IdleClose);
        _stop.Cancel();
        _closed(this);
    }
}
