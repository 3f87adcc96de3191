using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Audit;

public sealed record AuditView(long Id, DateTime At, string Actor, string Action, string? Board, int? ReservationId, string? Details);

/// <summary>What an admin asks of the audit log: who (part of the e-mail), which board (part of the name), which action (part of its name, e.g. power), when (UTC, inclusive from, exclusive to), sorted by a column, one page.</summary>
public sealed record AuditQuery(
    string? Actor = null,
    string? Board = null,
    string? Action = null,
    DateTime? From = null,
    DateTime? To = null,
    string SortBy = nameof(AuditView.At),
    bool Descending = true,
    int Page = 0,
    int PageSize = 25);

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

    /// <summary>One page of the audit log, filtered and sorted by the database.</summary>
    public async Task<PagedList<AuditView>> PageAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entries = db.Audit.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            entries = entries.Where(a => EF.Functions.Like(a.Actor.ToLower(), PagedQuery.Containing(query.Actor), "\\"));
        }

        if (!string.IsNullOrWhiteSpace(query.Board))
        {
            entries = entries.Where(a => a.Board != null && EF.Functions.Like(a.Board.ToLower(), PagedQuery.Containing(query.Board), "\\"));
        }

        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            entries = entries.Where(a => EF.Functions.Like(a.Action.ToLower(), PagedQuery.Containing(query.Action), "\\"));
        }

        if (query.From is { } from)
        {
            entries = entries.Where(a => a.At >= from);
        }

        if (query.To is { } to)
        {
            entries = entries.Where(a => a.At < to);
        }

        var sorted = query.SortBy switch
        {
            nameof(AuditView.Actor) => entries.OrderBy(a => a.Actor, query.Descending).ThenByDescending(a => a.Id),
            nameof(AuditView.Action) => entries.OrderBy(a => a.Action, query.Descending).ThenByDescending(a => a.Id),
            nameof(AuditView.Board) => entries.OrderBy(a => a.Board, query.Descending).ThenByDescending(a => a.Id),
            _ => entries.OrderBy(a => a.Id, query.Descending),
        };
        return await sorted
            .Select(a => new AuditView(a.Id, a.At, a.Actor, a.Action, a.Board, a.ReservationId, a.Details))
            .ToPagedListAsync(query.Page, query.PageSize, cancellationToken);
    }
}
