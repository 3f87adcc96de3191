namespace Portal.Artifacts;

/// <summary>An artifact as pages and the API show it.</summary>
public sealed record ArtifactView(int Id, string Name, string Digest, long Size, string UploaderId, string Uploader, IReadOnlyList<string> Tags, DateTime UploadedAt, DateTime LastUsedAt);

public enum ArtifactErrorKind
{
    Invalid,
    NotFound,
    Forbidden,
    QuotaExceeded,
    Corrupted,
}

public sealed record ArtifactError(ArtifactErrorKind Kind, string Message);

/// <summary>An upload's result: the artifact, whether its content was already stored, or the error.</summary>
public sealed record ArtifactUpload(ArtifactView? Artifact, bool Deduplicated, ArtifactError? Error);

/// <summary>A stored file whose content was checked against its SHA-256 just now.</summary>
public sealed record VerifiedArtifact(ArtifactView Artifact, string Path);
