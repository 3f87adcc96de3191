using Microsoft.EntityFrameworkCore;
using Portal.Audit;
using Portal.Data;
using Portal.Hardware.Containers;
using Portal.Reservations;

namespace Portal.Sandboxes;

/// <summary>Admin work on images: what the engine has, pulling more, and which classes' sandboxes use which.</summary>
public sealed class SandboxImageService(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    IContainerProvider engine,
    AuditLog audit,
    ILogger<SandboxImageService> logger)
{
    public Task<IReadOnlyList<ContainerImage>> ListEngineImagesAsync(CancellationToken cancellationToken) =>
        engine.ListImagesAsync(cancellationToken);

    /// <summary>Pulls the image; progress is the engine's stream. Throws <see cref="ContainerEngineException"/> with the engine's reason.</summary>
    public async Task PullAsync(Actor actor, string reference, IProgress<ImagePullProgress> progress, CancellationToken cancellationToken)
    {
        RequireAdmin(actor);
        logger.LogInformation("Pulling image {Image} for {User}", reference, actor.Email);
        try
        {
            await engine.PullImageAsync(reference.Trim(), progress, cancellationToken);
        }
        catch (ContainerEngineException ex)
        {
            logger.LogWarning("Pulling image {Image} failed: {Reason}", reference, ex.Message);
            throw;
        }

        await audit.WriteAsync(actor.Email, "image.pull", null, null, reference, CancellationToken.None);
    }

    public async Task<IReadOnlyList<ClassImageView>> ListAssignmentsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ClassImages.AsNoTracking()
            .OrderBy(i => i.BoardClass.Name).ThenByDescending(i => i.IsDefault).ThenBy(i => i.Image)
            .Select(i => new ClassImageView(i.Id, i.BoardClass.Name, i.Image, i.Shell, i.IsDefault))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Assigns an image to a class (or updates its shell); the first image of a class, or one marked default, becomes the default.</summary>
    public async Task<string?> AssignAsync(Actor actor, string boardClass, string image, string shell, bool isDefault, CancellationToken cancellationToken)
    {
        RequireAdmin(actor);
        if (string.IsNullOrWhiteSpace(image) || string.IsNullOrWhiteSpace(shell))
        {
            return "An image reference and a shell are required.";
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var cls = await db.BoardClasses.SingleOrDefaultAsync(c => c.Name == boardClass && c.RetiredAt == null, cancellationToken);
        if (cls is null)
        {
            return $"There is no board class named '{boardClass}'.";
        }

        var assigned = await db.ClassImages.Where(i => i.BoardClassId == cls.Id).ToListAsync(cancellationToken);
        var entry = assigned.FirstOrDefault(i => i.Image == image.Trim());
        if (entry is null)
        {
            entry = new ClassImage { BoardClassId = cls.Id, Image = image.Trim() };
            db.ClassImages.Add(entry);
            assigned.Add(entry);
        }

        entry.Shell = shell.Trim();
        if (isDefault || !assigned.Any(i => i.IsDefault && i != entry))
        {
            assigned.ForEach(i => i.IsDefault = i == entry);
        }

        await db.SaveChangesAsync(cancellationToken);
        await audit.WriteAsync(actor.Email, "image.assign", null, null, $"{entry.Image} to class {cls.Name}{(entry.IsDefault ? " (default)" : "")}, shell {entry.Shell}", CancellationToken.None);
        return null;
    }

    public async Task UnassignAsync(Actor actor, int assignmentId, CancellationToken cancellationToken)
    {
        RequireAdmin(actor);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entry = await db.ClassImages.Include(i => i.BoardClass).SingleOrDefaultAsync(i => i.Id == assignmentId, cancellationToken);
        if (entry is null)
        {
            return;
        }

        db.ClassImages.Remove(entry);
        if (entry.IsDefault && await db.ClassImages.Where(i => i.BoardClassId == entry.BoardClassId && i.Id != entry.Id).OrderBy(i => i.Id).FirstOrDefaultAsync(cancellationToken) is { } next)
        {
            next.IsDefault = true;
        }

        await db.SaveChangesAsync(cancellationToken);
        await audit.WriteAsync(actor.Email, "image.unassign", null, null, $"{entry.Image} from class {entry.BoardClass.Name}", CancellationToken.None);
    }

    private static void RequireAdmin(Actor actor)
    {
        if (!actor.IsAdmin)
        {
            throw new UnauthorizedAccessException("Only admins manage sandbox images.");
        }
    }
}
