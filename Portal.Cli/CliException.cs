namespace Portal.Cli;

/// <summary>Exit codes a CI job can branch on.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Refused = 3;
    public const int NotFound = 4;
    public const int Timeout = 5;
}

/// <summary>Ends the command with one sentence and an exit code; never a stack trace.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
