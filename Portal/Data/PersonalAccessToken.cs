namespace Portal.Data;

/// <summary>A secret a script or CI job sends as <c>Authorization: Bearer</c>; only its SHA-256 is stored.</summary>
public sealed class PersonalAccessToken
{
    public int Id { get; set; }

    public required string UserId { get; set; }

    public ApplicationUser User { get; set; } = null!;

    public required string Name { get; set; }

    /// <summary>Hex SHA-256 of the secret: the secret has 256 random bits, so a fast hash is enough and lookups are direct.</summary>
    public required string Hash { get; set; }

    /// <summary>The first characters of the secret, so a person can tell their tokens apart.</summary>
    public required string Prefix { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? ExpiresAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}
