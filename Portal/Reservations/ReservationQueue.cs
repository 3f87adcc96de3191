using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Lab;

namespace Portal.Reservations;

/// <summary>
/// Requests for any board of a class (with tag filters), and the first-come queue of those that wait. A free board
/// goes to the first waiting request it can satisfy; requests it cannot satisfy do not hold it up. Serving the queue
/// and taking a board for a new request happen under one gate in this process, so a new request never overtakes a
/// waiting one that the same board would satisfy; the database keeps other instances honest.
/// </summary>
public sealed class ReservationQueue(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    IOptionsMonitor<ReservationOptions> options,
    AccessPolicy access,
    ReservationLifecycle lifecycle,
    ReservationQueries queries,
    AuditLog audit,
    LabEvents events,
    TimeProvider clock)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    // A class's waiting requests in their order: read after every release, so compiled once per instance (a compiled
    // query serves one model, and a process may host several portals, as the tests do).
    private readonly Func<ApplicationDbContext, int, IAsyncEnumerable<QueueEntry>> _waitingOf = EF.CompileAsyncQuery<ApplicationDbContext, int, QueueEntry>(
        (ApplicationDbContext db, int boardClassId) => db.Queue.AsNoTracking().Include(q => q.User)
            .Where(q => q.BoardClassId == boardClassId && q.State == QueueEntryState.Waiting)
            .OrderBy(q => q.Position).ThenBy(q => q.Id));

    /// <summary>Any free board of the class whose tags match the filter; with <paramref name="waitInQueue"/>, a place in the queue when none is free.</summary>
    public async Task<ReservationOutcome> ReserveClassAsync(
        Actor actor,
        string className,
        IReadOnlyDictionary<string, string> tagFilter,
        TimeSpan? lease,
        bool waitInQueue,
        CancellationToken cancellationToken)
    {
        if ((options.CurrentValue.LeaseError(lease) ?? TagFilter.LimitError(tagFilter)) is { } invalid)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Invalid, invalid);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var boardClass = await db.BoardClasses.AsNoTracking().SingleOrDefaultAsync(c => c.Name == className && c.RetiredAt == null, cancellationToken);
        if (boardClass is null)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.NotFound, $"There is no board class named '{className}'.");
        }

        var permitted = await access.PermittedBoardsAsync(actor.UserId, Capability.Instantiate, boardClass.Id, cancellationToken);
        if (permitted.Count == 0)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Forbidden, $"You lack the Instantiate capability on every board of class {className}.");
        }

        var leaseTime = lease ?? options.CurrentValue.DefaultLease;
        QueueEntry entry;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Those already waiting go first, each to a board it can use; what is left is free for this request.
            await ServeLockedAsync(boardClass.Id, cancellationToken);
            foreach (var board in (await FreeBoardsAsync(db, boardClass.Id, cancellationToken)).Where(b => permitted.Contains(b.Id) && TagFilter.Matches(b.Tags, tagFilter)))
            {
                if (await lifecycle.TryGrantAsync(board, actor.UserId, actor.Email, leaseTime, queueEntryId: null, cancellationToken) is { } granted)
                {
                    return new ReservationOutcome(granted);
                }
            }

            if (!waitInQueue)
            {
                return ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"No free board of class {className}{TagFilter.Describe(tagFilter)}.");
            }

            var limit = options.CurrentValue.MaxQueuedPerUser;
            if (await db.Queue.CountAsync(q => q.UserId == actor.UserId && q.State == QueueEntryState.Waiting, cancellationToken) >= limit)
            {
                return ReservationOutcome.Fail(ReservationErrorKind.Invalid, $"You already wait with {limit} requests, the most one user may (Lab:Reservations:MaxQueuedPerUser); leave one first.");
            }

            entry = new QueueEntry
            {
                UserId = actor.UserId,
                BoardClassId = boardClass.Id,
                TagFilter = new Dictionary<string, string>(tagFilter),
                Lease = leaseTime,
                Position = clock.GetUtcNow().UtcTicks,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
                State = QueueEntryState.Waiting,
            };
            db.Queue.Add(entry);
            audit.Add(db, actor.Email, "queue", null, null, $"class {className}{TagFilter.Describe(tagFilter)}");
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }

        events.Publish(new QueueChanged(className));
        return new ReservationOutcome(null, await queries.GetQueueEntryAsync(entry.Id, cancellationToken));
    }

    public async Task<ReservationOutcome> CancelQueueEntryAsync(Actor actor, int entryId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entry = await db.Queue.AsNoTracking().Include(q => q.Class).SingleOrDefaultAsync(q => q.Id == entryId, cancellationToken);
        if (entry is null || !actor.IsHolderOrAdmin(entry.UserId))
        {
            return ReservationOutcome.Fail(ReservationErrorKind.NotFound, $"There is no queued request {entryId} of yours.");
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var cancelled = await db.Queue
                .Where(q => q.Id == entryId && q.State == QueueEntryState.Waiting)
                .ExecuteUpdateAsync(s => s.SetProperty(q => q.State, QueueEntryState.Cancelled), cancellationToken);
            if (cancelled == 0)
            {
                return ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Queued request {entryId} is no longer waiting ({entry.State.ToString().ToLowerInvariant()}).");
            }

            audit.Add(db, actor.Email, entry.UserId == actor.UserId ? "queue-cancel" : "queue-drop", null, null, $"request {entryId} for class {entry.Class.Name}");
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        events.Publish(new QueueChanged(entry.Class.Name));
        return new ReservationOutcome(null, await queries.GetQueueEntryAsync(entryId, cancellationToken));
    }

    /// <summary>An admin moves a waiting request one place earlier (<paramref name="earlier"/>) or later in its class's queue.</summary>
    public async Task<ReservationOutcome> MoveQueueEntryAsync(Actor actor, int entryId, bool earlier, CancellationToken cancellationToken)
    {
        if (!actor.IsAdmin)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Forbidden, "Only an admin may reorder the queue.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entry = await db.Queue.Include(q => q.Class).SingleOrDefaultAsync(q => q.Id == entryId && q.State == QueueEntryState.Waiting, cancellationToken);
        if (entry is null)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.NotFound, $"There is no waiting request {entryId}.");
        }

        var waiting = db.Queue.Where(q => q.BoardClassId == entry.BoardClassId && q.State == QueueEntryState.Waiting && q.Id != entryId);
        var neighbour = earlier
            ? await waiting.Where(q => q.Position < entry.Position || (q.Position == entry.Position && q.Id < entry.Id)).OrderByDescending(q => q.Position).ThenByDescending(q => q.Id).FirstOrDefaultAsync(cancellationToken)
            : await waiting.Where(q => q.Position > entry.Position || (q.Position == entry.Position && q.Id > entry.Id)).OrderBy(q => q.Position).ThenBy(q => q.Id).FirstOrDefaultAsync(cancellationToken);
        if (neighbour is not null)
        {
            (entry.Position, neighbour.Position) = (neighbour.Position, entry.Position);
            if (entry.Position == neighbour.Position)
            {
                entry.Position += earlier ? -1 : 1;
            }

            audit.Add(db, actor.Email, "queue-move", null, null, $"request {entryId} {(earlier ? "earlier" : "later")} in class {entry.Class.Name}");
            await db.SaveChangesAsync(cancellationToken);
            events.Publish(new QueueChanged(entry.Class.Name));
        }

        return new ReservationOutcome(null, await queries.GetQueueEntryAsync(entryId, cancellationToken));
    }

    /// <summary>Hands the class's free boards to its waiting requests (the background job after a board came free).</summary>
    public async Task ServeAsync(int boardClassId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await ServeLockedAsync(boardClassId, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Each free board goes to the first waiting request that may reserve it and whose tags it matches; a request no
    // free board satisfies is passed over, not in the way.
    private async Task ServeLockedAsync(int boardClassId, CancellationToken cancellationToken)
    {
        var granted = false;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var waiting = await _waitingOf(db, boardClassId).ToListAsync(cancellationToken);
            var free = waiting.Count == 0 ? [] : await FreeBoardsAsync(db, boardClassId, cancellationToken);
            (QueueEntry? Entry, Board? Board) match = default;
            foreach (var entry in free.Count == 0 ? [] : waiting)
            {
                // Rules may have changed while the request waited: only boards its user may still reserve.
                var permitted = await access.PermittedBoardsAsync(entry.UserId, Capability.Instantiate, boardClassId, cancellationToken);
                if (free.FirstOrDefault(b => permitted.Contains(b.Id) && TagFilter.Matches(b.Tags, entry.TagFilter)) is { } board)
                {
                    match = (entry, board);
                    break;
                }
            }

            if (match is not ({ } chosen, { } freeBoard))
            {
                break;
            }

            // A lost race (the board taken directly, the entry cancelled) only means looking again.
            granted |= await lifecycle.TryGrantAsync(freeBoard, chosen.UserId, chosen.User.Email ?? chosen.UserId, chosen.Lease, chosen.Id, cancellationToken) is not null;
        }

        if (granted)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var className = await db.BoardClasses.Where(c => c.Id == boardClassId).Select(c => c.Name).SingleAsync(cancellationToken);
            events.Publish(new QueueChanged(className));
        }
    }

    private static Task<List<Board>> FreeBoardsAsync(ApplicationDbContext db, int boardClassId, CancellationToken cancellationToken) =>
        db.Boards.AsNoTracking().Include(b => b.Class)
            .Where(b => b.BoardClassId == boardClassId)
            .Where(BoardPool.InPool)
            .Where(b => !db.Reservations.Any(r => r.ActiveBoardId == b.Id))
            .OrderBy(b => b.Name)
            .ToListAsync(cancellationToken);
}
