namespace Portal.Hardware;

/// <summary>
/// A board's console (labgrid's ConsoleProtocol): opening it yields a byte stream in both directions.
/// Reading 0 bytes means the console went away; the caller decides whether to reopen.
/// </summary>
public interface IConsole
{
    /// <summary>Where the console is, for messages: a device path, host:port or "simulated".</summary>
    string Describe { get; }

    Task<Stream> OpenAsync(CancellationToken cancellationToken);
}
