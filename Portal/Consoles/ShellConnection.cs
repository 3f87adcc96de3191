using System.Text;
using Microsoft.JSInterop;
using Portal.Hardware;

namespace Portal.Consoles;

public enum ShellState
{
    Connecting,
    Open,
    Closed,
}

/// <summary>
/// One interactive shell (SSH, container exec) shown in one browser terminal: opens it, pumps its output to the
/// terminal under the terminal's <see cref="TerminalFlowControl"/> (the shell waits while the browser is behind),
/// types and resizes, and ends it once, with a line in the terminal saying why. Nothing it does throws at its caller:
/// a failure is that line and a log entry.
/// </summary>
public sealed class ShellConnection : IAsyncDisposable
{
    private readonly Func<ReadOnlyMemory<byte>, Task> _write;
    private readonly Func<Task> _stateChanged;
    private readonly TerminalFlowControl _flow;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _gate = new();
    private IShellSession? _session;
    private (int Columns, int Rows)? _size;
    private Task _running = Task.CompletedTask;

    /// <param name="write">Writes output into the terminal.</param>
    /// <param name="stateChanged">Called after <see cref="State"/> changed (to re-render).</param>
    public ShellConnection(Func<ReadOnlyMemory<byte>, Task> write, Func<Task> stateChanged, ConsoleOptions options, ILogger logger)
    {
        _write = write;
        _stateChanged = stateChanged;
        _flow = new TerminalFlowControl(options.HighWatermark, options.LowWatermark);
        _logger = logger;
    }

    public ShellState State { get; private set; } = ShellState.Connecting;

    /// <summary>
    /// Opens the shell at <paramref name="size"/> (connecting may take seconds, meanwhile the terminal shows
    /// <paramref name="connecting"/> if given) and pumps its output until it ends or is closed, in the background;
    /// <see cref="DisposeAsync"/> ends it and waits for it.
    /// </summary>
    public void Start(Func<int, int, CancellationToken, Task<ShellOpening>> open, (int Columns, int Rows) size, string? connecting = null) =>
        _running = RunAsync(open, size, connecting);

    private async Task RunAsync(Func<int, int, CancellationToken, Task<ShellOpening>> open, (int Columns, int Rows) size, string? connecting)
    {
        try
        {
            if (connecting is not null)
            {
                await WriteLineAsync($"[{connecting}…]");
            }

            var opening = await open(size.Columns, size.Rows, _lifetime.Token);
            lock (_gate)
            {
                if (!_lifetime.IsCancellationRequested)
                {
                    _session = opening.Session;
                }
            }

            if (_session is null)
            {
                // Closed while connecting: nobody will read this shell.
                await opening.Session.DisposeAsync();
                return;
            }

            if (opening.Notice is { } notice)
            {
                await WriteLineAsync(notice);
            }

            // A resize that came while connecting.
            if (_size is { } resized && resized != size)
            {
                await _session.ResizeAsync(resized.Columns, resized.Rows, _lifetime.Token);
            }

            await SetStateAsync(ShellState.Open);
            await PumpAsync(_session);
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Closed on purpose.
        }
        catch (JSDisconnectedException)
        {
            // The tab is gone; its disposal ends the session.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await FailAsync(ex);
        }
    }

    private async Task PumpAsync(IShellSession session)
    {
        var buffer = new byte[16 * 1024];
        while (!_lifetime.IsCancellationRequested)
        {
            // Read no more while the browser has not drawn the last high watermark's worth: the shell waits.
            await _flow.WaitForRoomAsync(_lifetime.Token);
            var read = await session.ReadAsync(buffer, _lifetime.Token);
            if (read == 0)
            {
                await CloseAsync("session closed: the shell exited");
                return;
            }

            _flow.Sent(read);
            await _write(buffer.AsMemory(0, read));
        }
    }

    /// <summary>Types into the shell; a keystroke into a shell that just ended is lost (the terminal says it ended).</summary>
    public async Task TypeAsync(string text)
    {
        if (_session is not { } session || _lifetime.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await session.WriteAsync(Encoding.UTF8.GetBytes(text), _lifetime.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogDebug(ex, "Typing into a closed shell");
        }
    }

    /// <summary>The terminal's new size; applied now if the shell is open, else when it opens.</summary>
    public async Task ResizeAsync(int columns, int rows)
    {
        _size = (columns, rows);
        if (_session is not { } session || _lifetime.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await session.ResizeAsync(columns, rows, _lifetime.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogDebug(ex, "Resizing a closed shell");
        }
    }

    /// <summary>The browser drew this many bytes.</summary>
    public void Acknowledge(int bytes) => _flow.Acknowledge(bytes);

    /// <summary>Ends the shell (once) and says <paramref name="reason"/> in the terminal, e.g. "session closed: reservation ended".</summary>
    public async Task CloseAsync(string reason)
    {
        lock (_gate)
        {
            if (State == ShellState.Closed)
            {
                return;
            }

            State = ShellState.Closed;
            _lifetime.Cancel();
        }

        await EndSessionAsync();
        try
        {
            await WriteLineAsync($"[{reason}]");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The tab is gone: nobody is left to read it.
            _logger.LogDebug(ex, "Could not show that the shell closed");
        }

        await _stateChanged();
    }

    private async Task FailAsync(Exception ex)
    {
        if (ex is ShellSessionException)
        {
            await CloseAsync(ex.Message);
        }
        else
        {
            _logger.LogError(ex, "A shell session failed");
            await CloseAsync("session failed; the portal's log says why");
        }
    }

    private async Task SetStateAsync(ShellState state)
    {
        State = state;
        await _stateChanged();
    }

    private Task WriteLineAsync(string line) => _write(Encoding.UTF8.GetBytes($"\r\n{line}\r\n"));

    private async Task EndSessionAsync()
    {
        IShellSession? session;
        lock (_gate)
        {
            (session, _session) = (_session, null);
        }

        if (session is not null)
        {
            try
            {
                await session.DisposeAsync();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogWarning(ex, "Closing a shell session failed");
            }
        }
    }

    /// <summary>Ends the shell without a word (the terminal is going away) and waits for the connection to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            State = ShellState.Closed;
            _lifetime.Cancel();
        }

        await _running;
        await EndSessionAsync();
    }
}
