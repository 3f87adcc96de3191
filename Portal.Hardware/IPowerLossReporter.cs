namespace Portal.Hardware;

/// <summary>
/// A power driver whose board can turn off by itself (an emulator that crashed or was killed): it says why, and
/// announces it, so the power panel shows the board off with the reason instead of waiting for someone to look.
/// </summary>
public interface IPowerLossReporter
{
    /// <summary>Why the board went off without being switched off, in one sentence; null after the next power-on.</summary>
    string? LastLoss { get; }

    /// <summary>Raised on the thread that noticed; handlers must not block.</summary>
    event Action? PowerLost;
}
