namespace Portal.Hardware.Ssh;

/// <summary>
/// Where and as whom to log in: a key file on the portal host or a password, exactly one.
/// Both are secrets, so <see cref="ToString"/> leaves them out and they never reach a message or a log.
/// </summary>
public sealed record SshTarget(string Host, int Port, string User, string? KeyFile, string? Password)
{
    public string Endpoint => $"{Host}:{Port}";

    public override string ToString() => $"{User}@{Endpoint}";
}
