namespace Portal.Data;

/// <summary>
/// The SSH host key the portal trusts for a board: recorded on the first connection (trust on first use), replaced
/// only when an admin accepts the key a board offered instead.
/// </summary>
public sealed class SshHostKey
{
    public int Id { get; set; }

    /// <summary>The board's name, as in the lab config.</summary>
    public required string Board { get; set; }

    /// <summary><c>SHA256:</c> and unpadded base64, as <c>ssh-keygen -lf</c> prints it.</summary>
    public required string Fingerprint { get; set; }

    public DateTime RecordedAt { get; set; }

    /// <summary>"first use", or the email of the admin who accepted the key.</summary>
    public required string RecordedBy { get; set; }

    /// <summary>A different key the board offered and was refused for, waiting for an admin to accept it.</summary>
    public string? OfferedFingerprint { get; set; }

    public DateTime? OfferedAt { get; set; }
}
