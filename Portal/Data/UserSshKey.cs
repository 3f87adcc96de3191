namespace Portal.Data;

/// <summary>A user's SSH public key: installed on boards by the setup script and in their sandboxes.</summary>
public sealed class UserSshKey
{
    public int Id { get; set; }

    public required string UserId { get; set; }

    public ApplicationUser User { get; set; } = null!;

    /// <summary>The key as one authorized_keys line: <c>TYPE BASE64 [COMMENT]</c>.</summary>
    public required string PublicKey { get; set; }

    /// <summary><c>SHA256:</c> and the unpadded base64 of the key's SHA-256, as <c>ssh-keygen -lf</c> prints it.</summary>
    public required string Fingerprint { get; set; }

    public DateTime CreatedAt { get; set; }
}
