namespace Portal.Hardware;

/// <summary>
/// A shell could not be opened or went away, for a reason the person at the terminal should read as it is:
/// the message is one sentence, e.g. "ssh to 10.0.0.21:22: connection refused".
/// </summary>
public sealed class ShellSessionException(string message, Exception? innerException = null) : Exception(message, innerException);
