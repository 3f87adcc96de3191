using Microsoft.Extensions.Options;
using Portal.Hardware;
using Portal.Lab;

namespace Portal.Consoles;

/// <summary>
/// One console connection per board while anyone watches, shared by all its watchers. With other portal instances on
/// the same database (<paramref name="cluster"/>), only one instance reads a board's device and the others follow it.
/// </summary>
public sealed class ConsoleBroker(
    DriverFactory drivers,
    IOptionsMonitor<LabOptions> lab,
    IOptions<ConsoleOptions> options,
    TimeProvider clock,
    ILoggerFactory loggerFactory,
    Observability.PortalMetrics metrics,
    Health.BoardReachability? reachability = null,
    Cluster.ClusterConsoles? cluster = null) : IAsyncDisposable
{
    // How long a stopping portal waits for its consoles to close their devices.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsoleSession> _sessions = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DeviceLoan> _lentOut = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger = loggerFactory.CreateLogger<ConsoleBroker>();

    /// <summary>Whether the board has a console at all.</summary>
    public bool HasConsole(string board) => ConsoleSpec(board) is not null;

    /// <summary>
    /// Starts watching the board's console: the scrollback first (unless <paramref name="replayScrollback"/> is false,
    /// for a client waiting for what the board prints next), then everything it prints. Null when the board has no console.
    /// A <paramref name="lossless"/> watcher (the recorder) gets every byte: the console waits for it instead of
    /// dropping its output, so it must acknowledge promptly.
    /// </summary>
    public ConsoleWatcher? Watch(string board, Func<ReadOnlyMemory<byte>, Task> deliver, bool replayScrollback = true, bool lossless = false)
    {
        lock (_gate)
        {
            if (!_sessions.TryGetValue(board, out var session))
            {
                if (ConsoleSpec(board) is not { } spec)
                {
                    return null;
                }

                var console = drivers.CreateConsole(board, spec);
                session = new ConsoleSession(board, cluster?.Wrap(board, console) ?? console, options.Value, clock, _logger, Forget, metrics, reachability);
                if (_lentOut.TryGetValue(board, out var loan))
                {
                    // A new session has no device open yet: it starts lent, nothing to wait for.
                    session.Lend(loan.Borrower);
                }

                _sessions[board] = session;
            }

            return session.Attach(deliver, replayScrollback, lossless);
        }
    }

    /// <summary>
    /// Lends the board's device to <paramref name="borrower"/>: the console closes it and keeps it closed until the
    /// loan is disposed. A newer loan of the same board replaces an older one (whose disposal then does nothing).
    /// Watchers stay attached and are told where the console went.
    /// </summary>
    public DeviceLoan Lend(string board, string borrower)
    {
        lock (_gate)
        {
            var closed = _sessions.GetValueOrDefault(board)?.Lend(borrower) ?? Task.CompletedTask;
            var loan = new DeviceLoan(board, borrower, closed, Return);
            _lentOut[board] = loan;
            return loan;
        }
    }

    private void Return(DeviceLoan loan)
    {
        lock (_gate)
        {
            if (_lentOut.TryGetValue(loan.Board, out var current) && current == loan)
            {
                _lentOut.Remove(loan.Board);
                _sessions.GetValueOrDefault(loan.Board)?.Return();
            }
        }
    }

    /// <summary>
    /// The portal is stopping: every console closes its device (serial port, socket), whoever still watches, so nothing
    /// of this portal holds a board's console after it.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        ConsoleSession[] sessions;
        lock (_gate)
        {
            sessions = [.. _sessions.Values];
            _sessions.Clear();
        }

        try
        {
            await Task.WhenAll(sessions.Select(session => session.StopAsync())).WaitAsync(StopTimeout);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Consoles of {Boards} did not close within {Timeout} while the portal stopped", string.Join(", ", sessions.Select(s => s.Board)), StopTimeout);
        }
    }

    private void Forget(ConsoleSession session)
    {
        lock (_gate)
        {
            if (_sessions.TryGetValue(session.Board, out var current) && current == session)
            {
                _sessions.Remove(session.Board);
            }
        }
    }

    private DriverSpec? ConsoleSpec(string board) =>
        lab.CurrentValue.FindBoard(board) is { } configured
            ? LabDriverSpecs.ConsoleOf(configured)
            : null;
}
