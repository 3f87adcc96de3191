using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Hardware;

namespace Portal.Lab;

public sealed record LabSyncResult(int Added, int Updated, int Retired);

/// <summary>
/// Brings the database in line with the Lab config: new classes and boards appear, changed ones are updated,
/// ones that left the config are retired (kept, with their history), and ones that come back are restored.
/// </summary>
public sealed class LabSynchronizer(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    IOptions<LabOptions> options,
    DriverFactory drivers,
    TimeProvider timeProvider,
    ILogger<LabSynchronizer> logger)
{
    public async Task<LabSyncResult> SyncAsync(CancellationToken cancellationToken)
    {
        var lab = options.Value;
        var now = timeProvider.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        int added = 0, updated = 0, retired = 0;
        var classes = await db.BoardClasses.ToDictionaryAsync(c => c.Name, StringComparer.OrdinalIgnoreCase, cancellationToken);
        foreach (var (name, configured) in lab.Classes)
        {
            if (!classes.TryGetValue(name, out var cls))
            {
                cls = new BoardClass { Name = name, Arch = configured.Arch! };
                db.BoardClasses.Add(cls);
                classes[name] = cls;
                added++;
            }

            cls.Arch = configured.Arch!;
            cls.Description = configured.Description;
            cls.RetiredAt = null;
        }

        foreach (var cls in classes.Values.Where(c => c.RetiredAt is null && !lab.Classes.ContainsKey(c.Name)))
        {
            cls.RetiredAt = now;
            retired++;
        }

        var boards = await db.Boards.ToDictionaryAsync(b => b.Name, StringComparer.OrdinalIgnoreCase, cancellationToken);
        var configuredNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var configured in lab.Boards)
        {
            var name = configured.Name!;
            configuredNames.Add(name);
            var cls = classes[configured.Class!];
            var tags = new Dictionary<string, string>(configured.Tags, StringComparer.Ordinal);
            var unavailable = LabDriverSpecs.Unavailable(drivers, configured);
            if (unavailable is not null)
            {
                logger.LogWarning("Board {Board} is offline: {Reason}", name, unavailable);
            }

            if (!boards.TryGetValue(name, out var board))
            {
                db.Boards.Add(new Board { Name = name, Class = cls, Tags = tags, Condition = unavailable is null ? BoardCondition.Ready : BoardCondition.Offline });
                added++;
                continue;
            }

            // Offline is decided here, from the host (the drivers decide again once they answer or not); attention stays
            // until an admin clears it.
            if (board.Condition != BoardCondition.Attention)
            {
                board.Condition = unavailable is null ? BoardCondition.Ready : BoardCondition.Offline;
                board.OfflineReason = null;
            }

            if (board.RetiredAt is not null || board.BoardClassId != cls.Id || !SameTags(board.Tags, tags))
            {
                updated++;
            }

            board.Class = cls;
            board.Tags = tags;
            board.RetiredAt = null;
        }

        foreach (var board in boards.Values.Where(b => b.RetiredAt is null && !configuredNames.Contains(b.Name)))
        {
            board.RetiredAt = now;
            retired++;
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation(
            "Lab synchronised from config: {Added} added, {Updated} updated, {Retired} retired ({Classes} classes, {Boards} boards configured)",
            added, updated, retired, lab.Classes.Count, lab.Boards.Count);
        return new LabSyncResult(added, updated, retired);
    }

    private static bool SameTags(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);
}

/// <summary>Synchronises the lab once at start, after the migrations, before the portal serves requests.</summary>
internal sealed class LabSyncOnStart(LabSynchronizer synchronizer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => synchronizer.SyncAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
