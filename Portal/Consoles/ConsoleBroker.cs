using Microsoft.Extensions.Options;
using Portal.Hardware;
using Portal.Lab;

namespace Portal.Consoles;

/// <summary>One console connection per board while anyone watches, shared by all its watchers.</summary>
public sealed class ConsoleBroker(
    DriverFactory drivers,
    IOptionsMonitor<LabOptions> lab,
    IOptions<ConsoleOptions> options,
    TimeProvider clock,
    ILoggerFactory loggerFactory)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsoleSession> _sessions = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _lentOut = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger = loggerFactory.CreateLogger<ConsoleBroker>();

    /// <summary>Whether the board has a console at all.</summary>
    public bool HasConsole(string board) => ConsoleSpec(board) is not null;

    /// <summary>
    /// Starts watching the board's console: the scrollback first (unless <paramref name="replayScrollback"/> is false,
    /// for a client waiting for what the board prints next), then everything it prints. Null when the board has no console.
    /// </summary>
    public ConsoleWatcher? Watch(string board, Func<ReadOnlyMemory<byte>, Task> deliver, bool replayScrollback = true)
    {
        lock (_gate)
        {
            if (!_sessions.TryGetValue(board, out var session))
            {
                if (ConsoleSpec(board) is not { } spec)
                {
                    return null;
                }

                session = new ConsoleSession(board, drivers.CreateConsole(board, spec), options.Value, clock, _logger, Forget);
                if (_lentOut.TryGetValue(board, out var borrower))
                {
                    _ = session.LendAsync(borrower);
                }

                _sessions[board] = session;
            }

            return session.Attach(deliver, replayScrollback);
        }
    }

    /// <summary>
    /// Closes the board's console and keeps it closed until <see cref="ReturnDevice"/>: a serial device is opened
    /// exclusively, so a sandbox that is handed the device can only open it while the portal does not.
    /// Watchers stay attached and are told where the console went.
    /// </summary>
    public async Task LendDeviceAsync(string board, string borrower)
    {
        ConsoleSession? session;
        lock (_gate)
        {
            _lentOut[board] = borrower;
            session = _sessions.GetValueOrDefault(board);
        }

        if (session is not null)
        {
            await session.LendAsync(borrower).WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public void ReturnDevice(string board)
    {
        lock (_gate)
        {
            if (_lentOut.Remove(board) && _sessions.TryGetValue(board, out var session))
            {
                session.Return();
            }
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
