using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Audit;

public sealed record AuditView(long Id, DateTime At, string Actor, string Action, string? Board, int? ReservationId, string? Details);

/// <summary>The audit trail: who reserved, extended, released, force-released which board and when.</summary>
public sealed class AuditLog(IDbContextFactory<ApplicationDbContext> dbFactory, TimeProvider clock)
{
    public const string System = "system";

    public async Task WriteAsync(string actor, string action, string? board, int? reservationId, string? details, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        Add(db, actor, action, board, reservationId, details);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Adds an entry to a change the caller saves, so the entry commits in the same transaction as what it records.</summary>
    public void Add(ApplicationDbContext db, string actor, string action, string? board, int? reservationId, string? details) =>
        db.Audit.Add(new AuditEntry
        {
            At = clock.GetUtcNow().UtcDateTime,
            Actor = actor,
            Action = action,
            Board = board,
            ReservationId = reservationId,
            Details = details,
        });

    public async Task<IReadOnlyList<AuditView>> ListAsync(string? board, int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Audit.AsNoTracking()
            .Where(a => board == null || a.Board == board)
            .OrderByDescending(a => a.Id)
            .Take(take)
            .Select(a => new AuditView(a.Id, a.At, a.Actor, a.Action, a.Board, a.ReservationId, a.Details))
            .ToListAsync(cancellationToken);
    }
}
