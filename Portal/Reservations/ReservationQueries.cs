using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Reservations;

/// <summary>The read side of reservations and the queue, for pages, the API and the other areas.</summary>
public sealed class ReservationQueries(IDbContextFactory<ApplicationDbContext> dbFactory)
{
    // Every release, extension and script job reads its reservation first. Compiled once per instance (a compiled query
    // serves one model, and a process may host several portals, as the tests do).
    private readonly Func<ApplicationDbContext, int, CancellationToken, Task<ReservationView?>> _byId = EF.CompileAsyncQuery(
        (ApplicationDbContext db, int reservationId, CancellationToken cancellationToken) =>
            db.Reservations.AsNoTracking().Where(r => r.Id == reservationId).Select(ViewOf).SingleOrDefault());

    public async Task<ReservationView?> GetAsync(int reservationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await _byId(db, reservationId, cancellationToken);
    }

    public async Task<IReadOnlyList<ReservationView>> ListAsync(ReservationFilter filter, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Reservations.AsQueryable();
        if (filter.UserId is not null)
        {
            query = query.Where(r => r.UserId == filter.UserId);
        }

        if (filter.Board is not null)
        {
            query = query.Where(r => r.Board.Name == filter.Board);
        }

        if (filter.ActiveOnly)
        {
            // Current: everything that still has its board, from preparing to releasing.
            query = query.Where(r => r.ActiveBoardId != null);
        }

        return await Project(query.OrderByDescending(r => r.Id).Take(filter.Take)).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The reservations that still have their lease (preparing or active) although it ran out by <paramref name="now"/>.
    /// A health check's is not one: the check ends it, and a restart runs the check again.
    /// </summary>
    public async Task<IReadOnlyList<ReservationView>> ListDueAsync(DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Project(db.Reservations.Where(r => (r.State == ReservationState.Preparing || r.State == ReservationState.Active) && r.ExpiresAt <= now && !r.HealthCheck))
            .ToListAsync(cancellationToken);
    }

    /// <summary>The waiting requests, in queue order, numbered within their class; optionally only one user's.</summary>
    public async Task<IReadOnlyList<QueueEntryView>> QueueAsync(string? userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var waiting = await db.Queue.AsNoTracking()
            .Where(q => q.State == QueueEntryState.Waiting)
            .OrderBy(q => q.Position).ThenBy(q => q.Id)
            .Select(q => new { q.Id, Class = q.Class.Name, q.TagFilter, q.UserId, q.User.Email, q.CreatedAt, q.State, q.ReservationId })
            .ToListAsync(cancellationToken);
        return waiting
            .GroupBy(q => q.Class)
            .SelectMany(group => group.Select((q, index) => new QueueEntryView(q.Id, q.Class, q.TagFilter, q.UserId, q.Email ?? q.UserId, index + 1, q.CreatedAt, q.State, q.ReservationId)))
            .Where(q => userId is null || q.UserId == userId)
            .ToList();
    }

    public async Task<QueueEntryView?> GetQueueEntryAsync(int entryId, CancellationToken cancellationToken)
    {
        var waiting = await QueueAsync(null, cancellationToken);
        if (waiting.FirstOrDefault(q => q.Id == entryId) is { } view)
        {
            return view;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Queue.AsNoTracking().Where(q => q.Id == entryId)
            .Select(q => new QueueEntryView(q.Id, q.Class.Name, q.TagFilter, q.UserId, q.User.Email ?? q.UserId, 0, q.CreatedAt, q.State, q.ReservationId))
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Who a health check's reservation shows as holder in tables.</summary>
    public const string HealthCheckHolder = "health check";

    internal static IQueryable<ReservationView> Project(IQueryable<Reservation> query) => query.AsNoTracking().Select(ViewOf);

    private static readonly Expression<Func<Reservation, ReservationView>> ViewOf = r => new ReservationView(
        r.Id, r.Board.Name, r.Board.Class.Name, r.UserId ?? "", r.HealthCheck ? HealthCheckHolder : r.User!.Email ?? r.DeletedUserEmail ?? r.UserId ?? "", r.State,
        r.GrantedAt, r.ExpiresAt, r.EndedAt, r.EndedBy, r.SetupOutput, r.TeardownOutput, r.HealthCheck);
}
