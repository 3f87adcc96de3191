using System.Collections.Concurrent;

namespace Portal.Hardware.Simulated;

/// <summary>
/// The simulated boards of this process, by name, so that a board's simulated power driver and
/// simulated console act on the same board.
/// </summary>
public sealed class SimulatedLab(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, SimulatedBoard> _boards = new(StringComparer.OrdinalIgnoreCase);

    public SimulatedBoard Board(string name, bool poweredAtStart = true) =>
        _boards.GetOrAdd(name, n => new SimulatedBoard(n, poweredAtStart, timeProvider));
}
