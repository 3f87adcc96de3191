namespace Portal.Consoles;

/// <summary>
/// A board's serial device lent out (to a sandbox), from <see cref="ConsoleBroker.Lend"/> until disposed: while it
/// lives the board's console keeps off the device (a serial port is opened exclusively) and its watchers are told
/// where it went; disposing it gives the device back to the console. Its owner keeps it as long as the borrower lives.
/// </summary>
public sealed class DeviceLoan : IDisposable
{
    private readonly Action<DeviceLoan> _return;
    private int _returned;

    internal DeviceLoan(string board, string borrower, Task closed, Action<DeviceLoan> giveBack)
    {
        Board = board;
        Borrower = borrower;
        Closed = closed;
        _return = giveBack;
    }

    public string Board { get; }

    public string Borrower { get; }

    /// <summary>Completes once the console has let go of the device (at once when nobody had it open).</summary>
    public Task Closed { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0)
        {
            _return(this);
        }
    }
}
