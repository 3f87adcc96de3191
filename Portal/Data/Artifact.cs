namespace Portal.Data;

/// <summary>
/// An uploaded file as its uploader named it: a label on content stored once per SHA-256 (as BuildStream's cache),
/// so two labels may share one stored file.
/// </summary>
public sealed class Artifact
{
    public int Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The content's SHA-256, 64 lowercase hex digits: its identity and the stored file's name.</summary>
    public required string Sha256 { get; set; }

    public long Size { get; set; }

    public required string UploaderId { get; set; }

    public ApplicationUser Uploader { get; set; } = null!;

    public List<string> Tags { get; set; } = [];

    public DateTime UploadedAt { get; set; }

    /// <summary>Its upload or its last deploy; retention removes artifacts unused for longer than <c>Artifacts:RetentionDays</c>.</summary>
    public DateTime LastUsedAt { get; set; }
}
