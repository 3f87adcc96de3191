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
    private readonly ILogger _logger = loggerFactory.CreateLogger<ConsoleBroker>();

    /// <summary>Whether the board has a console at all.</summary>
    public bool HasConsole(string board) => ConsoleSpec(board) is not null;

    /// <summary>Starts watching the board's console: the scrollback first, then everything it prints. Null when the board has no console.</summary>
    public ConsoleWatcher? Watch(string board, Func<ReadOnlyMemory<byte>, Task> deliver)
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
                _sessions[board] = session;
            }

            return session.Attach(deliver);
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
