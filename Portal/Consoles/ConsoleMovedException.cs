namespace Portal.Consoles;

/// <summary>
/// The board's console is now read elsewhere (another portal instance took it over, or this one took it over from an
/// instance that went): the session says so in the terminal and opens it again at once.
/// </summary>
public sealed class ConsoleMovedException(string message) : IOException(message);
