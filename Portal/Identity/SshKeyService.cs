using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Identity;

public sealed record SshKeyView(int Id, string Type, string Comment, string Fingerprint, DateTime CreatedAt);

/// <summary>What adding a key came to: the key, or the one sentence saying why not.</summary>
public sealed record SshKeyOutcome(SshKeyView? Key, string? Error);

/// <summary>
/// Users' SSH public keys, checked when added (one authorized_keys line of a known type whose data says the same
/// type) and shown by fingerprint; the setup script and sandboxes get them as an authorized_keys file.
/// </summary>
public sealed class SshKeyService(IDbContextFactory<ApplicationDbContext> dbFactory, TimeProvider clock, ILogger<SshKeyService> logger)
{
    public const int MaxKeyLength = 8192;
    public const int MaxKeysPerUser = 20;

    private static readonly string[] Types =
    [
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ];

    public async Task<IReadOnlyList<SshKeyView>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var keys = await db.SshKeys.AsNoTracking().Where(k => k.UserId == userId).OrderBy(k => k.Id).ToListAsync(cancellationToken);
        return keys.Select(View).ToList();
    }

    public async Task<SshKeyOutcome> AddAsync(string userId, string? text, CancellationToken cancellationToken)
    {
        var (line, fingerprint, error) = Parse(text);
        if (error is not null)
        {
            return new(null, error);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.SshKeys.CountAsync(k => k.UserId == userId, cancellationToken) >= MaxKeysPerUser)
        {
            return new(null, $"You have {MaxKeysPerUser} keys already; remove one first.");
        }

        var key = new UserSshKey { UserId = userId, PublicKey = line!, Fingerprint = fingerprint!, CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.SshKeys.Add(key);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return new(null, $"This key is already on your account ({fingerprint}).");
        }

        logger.LogInformation("SSH key {Fingerprint} added for user {UserId}", fingerprint, userId);
        return new(View(key), null);
    }

    /// <summary>Removes one of the user's keys; false when they have no such key.</summary>
    public async Task<bool> DeleteAsync(string userId, int keyId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var removed = await db.SshKeys.Where(k => k.Id == keyId && k.UserId == userId).ExecuteDeleteAsync(cancellationToken) == 1;
        if (removed)
        {
            logger.LogInformation("SSH key {KeyId} of user {UserId} removed", keyId, userId);
        }

        return removed;
    }

    /// <summary>The user's keys as the lines of an authorized_keys file (empty when they have none).</summary>
    public Task<string> AuthorizedKeysAsync(string userId, CancellationToken cancellationToken) =>
        AuthorizedKeysAsync(k => k.UserId == userId, cancellationToken);

    /// <summary>As <see cref="AuthorizedKeysAsync(string, CancellationToken)"/>, for the user with that email.</summary>
    public Task<string> AuthorizedKeysOfEmailAsync(string email, CancellationToken cancellationToken) =>
        AuthorizedKeysAsync(k => k.User.Email == email, cancellationToken);

    private async Task<string> AuthorizedKeysAsync(System.Linq.Expressions.Expression<Func<UserSshKey, bool>> whose, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var lines = await db.SshKeys.AsNoTracking().Where(whose).OrderBy(k => k.Id).Select(k => k.PublicKey).ToListAsync(cancellationToken);
        return string.Concat(lines.Select(l => l + "\n"));
    }

    /// <summary>The key as one normalised authorized_keys line and its fingerprint, or why it is not a public key.</summary>
    public static (string? Line, string? Fingerprint, string? Error) Parse(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return (null, null, "Paste a public key, e.g. the contents of ~/.ssh/id_ed25519.pub.");
        }

        if (text.Length > MaxKeyLength)
        {
            return (null, null, $"A public key is at most {MaxKeyLength} characters.");
        }

        if (text.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            return (null, null, "That is a private key: never share it; paste the public key (the .pub file) instead.");
        }

        var parts = text.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || text.Contains('\n'))
        {
            return (null, null, "A public key is one line 'TYPE BASE64 [COMMENT]', e.g. 'ssh-ed25519 AAAAC3... you@laptop'.");
        }

        var type = parts[0];
        if (!Types.Contains(type))
        {
            return (null, null, $"'{Shorten(type)}' keys are not accepted; use one of {string.Join(", ", Types)}.");
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return (null, null, "The key's data is not valid base64.");
        }

        // The data starts with its own type, as a length-prefixed string.
        var length = blob.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(blob) : uint.MaxValue;
        var inner = length <= blob.Length - 4 ? Encoding.ASCII.GetString(blob, 4, (int)length) : null;
        if (inner != type)
        {
            return (null, null, $"The key's data is not a {type} key.");
        }

        var comment = parts.Length > 2 ? " " + parts[2].Trim() : "";
        return ($"{type} {parts[1]}{comment}", Fingerprint(blob), null);
    }

    public static string Fingerprint(byte[] blob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    private static SshKeyView View(UserSshKey key)
    {
        var parts = key.PublicKey.Split(' ', 3);
        return new SshKeyView(key.Id, parts[0], parts.Length > 2 ? parts[2] : "", key.Fingerprint, key.CreatedAt);
    }
}
