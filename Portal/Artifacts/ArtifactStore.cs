using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Audit;
using Portal.Data;
using Portal.Identity;

namespace Portal.Artifacts;

/// <summary>
/// Content-addressed storage of uploaded files (kernels, initrds, disk images): the SHA-256 is the identity, stored
/// once however often it is uploaded, checked again whenever it is read; names and tags are labels per uploader.
/// </summary>
public sealed partial class ArtifactStore(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    IOptions<ArtifactOptions> options,
    IHostEnvironment environment,
    AuditLog audit,
    TimeProvider timeProvider,
    ILogger<ArtifactStore> logger)
{
    private const int MaxTags = 20;

    public string Root => Path.GetFullPath(options.Value.Directory, environment.ContentRootPath);

    public long QuotaBytes => options.Value.QuotaMegabytes * 1024 * 1024;

    public string PathOf(string sha256) => Path.Combine(Root, "sha256", sha256);

    /// <summary>Where the artifact's content is stored.</summary>
    public string PathOf(ArtifactView artifact) => PathOf(artifact.Digest["sha256:".Length..]);

    /// <summary>Streams <paramref name="content"/> to disk while hashing it; never holds the whole file in memory.</summary>
    public async Task<ArtifactUpload> AddAsync(
        Actor actor, string name, IReadOnlyList<string> tags, Stream content, long? declaredLength, Action<long>? progress, CancellationToken cancellationToken)
    {
        if (ValidateLabels(name, tags) is { } invalid)
        {
            return new(null, false, invalid);
        }

        var used = await UsedBytesAsync(actor.UserId, cancellationToken);
        var left = QuotaBytes - used;
        if (declaredLength > left)
        {
            return new(null, false, QuotaError(used, declaredLength.Value));
        }

        Directory.CreateDirectory(Path.Combine(Root, "tmp"));
        Directory.CreateDirectory(Path.Combine(Root, "sha256"));
        var temporary = Path.Combine(Root, "tmp", Guid.NewGuid().ToString("N"));
        try
        {
            string sha256;
            long size = 0;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                int count;
                while ((count = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += count;
                    if (size > left)
                    {
                        return new(null, false, QuotaError(used, size));
                    }

                    hash.AppendData(buffer, 0, count);
                    await file.WriteAsync(buffer.AsMemory(0, count), cancellationToken);
                    progress?.Invoke(size);
                }

                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            return await RecordAsync(actor, name, tags, sha256, size, temporary, cancellationToken);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public async Task<IReadOnlyList<ArtifactView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Project(db.Artifacts.OrderByDescending(a => a.UploadedAt)).ToListAsync(cancellationToken);
    }

    public async Task<ArtifactView?> GetAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Project(db.Artifacts.Where(a => a.Id == id)).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>The artifact's stored file after checking that its content still has its SHA-256; a corrupted one is refused.</summary>
    public async Task<(VerifiedArtifact? Verified, ArtifactError? Error)> OpenVerifiedAsync(int id, CancellationToken cancellationToken)
    {
        if (await GetAsync(id, cancellationToken) is not { } artifact)
        {
            return (null, new(ArtifactErrorKind.NotFound, $"There is no artifact {id}."));
        }

        var path = PathOf(artifact);
        if (!File.Exists(path))
        {
            logger.LogError("Stored file of artifact {Artifact} ({Digest}) is missing: {Path}", artifact.Name, artifact.Digest, path);
            return (null, new(ArtifactErrorKind.Corrupted, $"Artifact {artifact.Name} ({artifact.Digest}) is missing from the store."));
        }

        string actual;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
        {
            actual = "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
        }

        if (actual != artifact.Digest)
        {
            logger.LogError("Stored file of artifact {Artifact} is corrupted: expected {Digest}, found {Actual}", artifact.Name, artifact.Digest, actual);
            return (null, new(ArtifactErrorKind.Corrupted, $"Artifact {artifact.Name} is corrupted in the store: its content hashes to {actual[..19]}…, not {artifact.Digest[..19]}…; it is refused."));
        }

        return (new VerifiedArtifact(artifact, path), null);
    }

    /// <summary>Marks artifacts as used (deployed) now, which keeps them from retention.</summary>
    public async Task TouchAsync(IEnumerable<int> ids, CancellationToken cancellationToken)
    {
        var list = ids.ToList();
        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Artifacts.Where(a => list.Contains(a.Id)).ExecuteUpdateAsync(s => s.SetProperty(a => a.LastUsedAt, now), cancellationToken);
    }

    /// <summary>Deletes an artifact (its uploader or an admin); the stored file goes when no other artifact has its content.</summary>
    public async Task<ArtifactError?> DeleteAsync(Actor actor, int id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var artifact = await db.Artifacts.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (artifact is null)
        {
            return new(ArtifactErrorKind.NotFound, $"There is no artifact {id}.");
        }

        if (artifact.UploaderId != actor.UserId && !actor.IsAdmin)
        {
            return new(ArtifactErrorKind.Forbidden, $"Only the uploader of {artifact.Name} or an admin may delete it.");
        }

        db.Artifacts.Remove(artifact);
        await db.SaveChangesAsync(cancellationToken);
        await RemoveUnreferencedAsync(db, [artifact.Sha256], cancellationToken);
        await audit.WriteAsync(actor.Email, "artifact-delete", null, null, $"{artifact.Name} sha256:{artifact.Sha256}", cancellationToken);
        logger.LogInformation("Artifact {Artifact} ({Sha256}) deleted by {User}", artifact.Name, artifact.Sha256, actor.Email);
        return null;
    }

    /// <summary>Removes artifacts unused for longer than the retention; returns how many.</summary>
    public async Task<int> ApplyRetentionAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow().UtcDateTime.AddDays(-options.Value.RetentionDays);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var expired = await db.Artifacts.Where(a => a.LastUsedAt < cutoff).ToListAsync(cancellationToken);
        if (expired.Count == 0)
        {
            return 0;
        }

        db.Artifacts.RemoveRange(expired);
        await db.SaveChangesAsync(cancellationToken);
        await RemoveUnreferencedAsync(db, expired.Select(a => a.Sha256).Distinct().ToList(), cancellationToken);
        foreach (var artifact in expired)
        {
            await audit.WriteAsync("retention", "artifact-expire", null, null, $"{artifact.Name} sha256:{artifact.Sha256}", cancellationToken);
        }

        logger.LogInformation("Retention removed {Count} artifacts unused for {Days} days", expired.Count, options.Value.RetentionDays);
        return expired.Count;
    }

    /// <summary>Bytes the user stores: each distinct content once.</summary>
    public async Task<long> UsedBytesAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var sizes = await db.Artifacts.Where(a => a.UploaderId == userId).Select(a => new { a.Sha256, a.Size }).Distinct().ToListAsync(cancellationToken);
        return sizes.Sum(s => s.Size);
    }

    private async Task<ArtifactUpload> RecordAsync(Actor actor, string name, IReadOnlyList<string> tags, string sha256, long size, string temporary, CancellationToken cancellationToken)
    {
        var stored = PathOf(sha256);
        var deduplicated = File.Exists(stored);
        if (!deduplicated)
        {
            File.Move(temporary, stored);
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var artifact = await db.Artifacts.SingleOrDefaultAsync(a => a.UploaderId == actor.UserId && a.Name == name && a.Sha256 == sha256, cancellationToken);
        if (artifact is null)
        {
            artifact = new Artifact { Name = name, Sha256 = sha256, Size = size, UploaderId = actor.UserId, UploadedAt = now };
            db.Artifacts.Add(artifact);
        }

        artifact.Tags = [.. tags];
        artifact.LastUsedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        await audit.WriteAsync(actor.Email, "artifact-upload", null, null, $"{name} sha256:{sha256} {size} bytes{(deduplicated ? " (already stored)" : "")}", cancellationToken);
        logger.LogInformation("Artifact {Artifact} ({Sha256}, {Size} bytes) uploaded by {User}; already stored: {Deduplicated}", name, sha256, size, actor.Email, deduplicated);
        return new(await GetAsync(artifact.Id, cancellationToken), deduplicated, null);
    }

    private async Task RemoveUnreferencedAsync(ApplicationDbContext db, IReadOnlyList<string> hashes, CancellationToken cancellationToken)
    {
        var stillUsed = await db.Artifacts.Where(a => hashes.Contains(a.Sha256)).Select(a => a.Sha256).Distinct().ToListAsync(cancellationToken);
        foreach (var sha256 in hashes.Except(stillUsed))
        {
            File.Delete(PathOf(sha256));
        }
    }

    private ArtifactError QuotaError(long used, long size) => new(
        ArtifactErrorKind.QuotaExceeded,
        $"The upload exceeds your artifact quota of {options.Value.QuotaMegabytes} MB (Artifacts:QuotaMegabytes): you store {Megabytes(used)} and the upload is at least {Megabytes(size)}.");

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024):0.0} MB";

    private static ArtifactError? ValidateLabels(string name, IReadOnlyList<string> tags)
    {
        if (!ValidLabel().IsMatch(name))
        {
            return new(ArtifactErrorKind.Invalid, $"Artifact name '{Shorten(name)}' must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        if (tags.Count > MaxTags)
        {
            return new(ArtifactErrorKind.Invalid, $"An artifact may have at most {MaxTags} tags.");
        }

        return tags.FirstOrDefault(t => !ValidLabel().IsMatch(t)) is { } tag
            ? new(ArtifactErrorKind.Invalid, $"Tag '{Shorten(tag)}' must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit.")
            : null;
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    private static IQueryable<ArtifactView> Project(IQueryable<Artifact> artifacts) =>
        artifacts.Select(a => new ArtifactView(a.Id, a.Name, "sha256:" + a.Sha256, a.Size, a.UploaderId, a.Uploader.Email ?? a.UploaderId, a.Tags, a.UploadedAt, a.LastUsedAt));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex ValidLabel();
}
