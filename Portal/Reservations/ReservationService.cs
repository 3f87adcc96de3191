using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Data;

namespace Portal.Reservations;

/// <summary>
/// Reserving boards. The database decides who gets a board: a reservation is granted by inserting it with
/// <see cref="Reservation.ActiveBoardId"/> set, which a unique index allows once per board, and ended by a
/// conditional update, which only one caller can win. So no board is handed out twice, whatever runs in parallel.
/// </summary>
public sealed class ReservationService(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    IOptionsMonitor<ReservationOptions> options,
    SetupScriptRunner setupScript,
    AccessPolicy access,
    AuditLog audit,
    LabEvents events,
    TimeProvider clock,
    ILogger<ReservationService> logger)
{
    // Grants from the queue are made one at a time in this process; the database keeps other instances honest.
    private readonly SemaphoreSlim _queueGate = new(1, 1);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<ReservationOutcome> ReserveBoardAsync(Actor actor, string boardName, TimeSpan? lease, CancellationToken cancellationToken)
    {
        if (LeaseError(lease) is { } invalid)
        {
            return invalid;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var board = await db.Boards.Include(b => b.Class).SingleOrDefaultAsync(b => b.Name == boardName && b.RetiredAt == null, cancellationToken);
        if (board is null)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.NotFound, $"There is no board named '{boardName}'.");
        }

        var decision = await access.DecideAsync(actor.UserId, Capability.Instantiate, board.Name, cancellationToken);
        if (!decision.Permitted)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Forbidden, $"You lack the Instantiate capability on board {board.Name} ({decision.Reason}).");
        }

        if (board.Condition != BoardCondition.Ready)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Board {board.Name} is {board.Condition.ToString().ToLowerInvariant()}; an admin must clear it first.");
        }

        var reservation = await TryGrantAsync(db, board, actor.UserId, lease ?? options.CurrentValue.DefaultLease, cancellationToken);
        return reservation is null
            ? ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Board {board.Name} is reserved.")
            : await CompleteGrantAsync(reservation.Id, actor.Email, fromQueue: false, cancellationToken);
    }

    /// <summary>Any free board of the class whose tags match the filter; with <paramref name="waitInQueue"/>, a place in the queue when none is free.</summary>
    public async Task<ReservationOutcome> ReserveClassAsync(
        Actor actor,
        string className,
        IReadOnlyDictionary<string, string> tagFilter,
        TimeSpan? lease,
        bool waitInQueue,
        CancellationToken cancellationToken)
    {
        if (LeaseError(lease) is { } invalid)
        {
            return invalid;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var boardClass = await db.BoardClasses.SingleOrDefaultAsync(c => c.Name == className && c.RetiredAt == null, cancellationToken);
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

        // Those already waiting go first: a new request only takes a free board when nobody is queued for the class.
        if (!await db.Queue.AnyAsync(q => q.BoardClassId == boardClass.Id && q.State == QueueEntryState.Waiting, cancellationToken))
        {
            foreach (var board in (await FreeBoardsAsync(db, boardClass.Id, tagFilter, cancellationToken)).Where(b => permitted.Contains(b.Id)))
            {
                if (await TryGrantAsync(db, board, actor.UserId, leaseTime, cancellationToken) is { } reservation)
                {
                    return await CompleteGrantAsync(reservation.Id, actor.Email, fromQueue: false, cancellationToken);
                }
            }
        }

        if (!waitInQueue)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"No free board of class {className}{DescribeFilter(tagFilter)}.");
        }

        var entry = new QueueEntry
        {
            UserId = actor.UserId,
            BoardClassId = boardClass.Id,
            TagFilter = new Dictionary<string, string>(tagFilter),
            Lease = leaseTime,
            Position = clock.GetUtcNow().UtcTicks,
            CreatedAt = Now,
            State = QueueEntryState.Waiting,
        };
        db.Queue.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        await audit.WriteAsync(actor.Email, "queue", null, null, $"class {className}{DescribeFilter(tagFilter)}", cancellationToken);
        events.Publish(new QueueChanged(className));

        // A board may have been released between the search above and the insert.
        await GrantFromQueueAsync(boardClass.Id, cancellationToken);
        var queued = await GetQueueEntryAsync(entry.Id, cancellationToken);
        return queued is { State: QueueEntryState.Granted, ReservationId: { } granted }
            ? new ReservationOutcome(await GetAsync(granted, cancellationToken), queued)
            : new ReservationOutcome(null, queued);
    }

    public async Task<ReservationOutcome> ExtendAsync(Actor actor, int reservationId, TimeSpan? by, CancellationToken cancellationToken)
    {
        var extension = by ?? options.CurrentValue.DefaultLease;
        if (extension <= TimeSpan.Zero)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Invalid, "An extension must be longer than zero.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var reservation = await db.Reservations.Include(r => r.Board).SingleOrDefaultAsync(r => r.Id == reservationId, cancellationToken);
        if (HolderError(actor, reservation, reservationId, "extend") is { } refused)
        {
            return refused;
        }

        var maxLease = options.CurrentValue.MaxLease;
        var now = Now;
        var expiresAt = Min(reservation!.ExpiresAt + extension, now + maxLease);
        if (expiresAt <= reservation.ExpiresAt)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Invalid, $"Reservation {reservationId} already runs for the maximum lease of {maxLease:g}.");
        }

        var updated = await db.Reservations
            .Where(r => r.Id == reservationId && r.State == ReservationState.Active)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ExpiresAt, expiresAt), cancellationToken);
        if (updated == 0)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Reservation {reservationId} has already ended.");
        }

        await audit.WriteAsync(actor.Email, "extend", reservation.Board.Name, reservationId, $"until {expiresAt:u}", cancellationToken);
        events.Publish(new ReservationChanged(reservationId, reservation.Board.Name, reservation.UserId, ReservationState.Active));
        return new ReservationOutcome(await GetAsync(reservationId, cancellationToken));
    }

    /// <summary>Ends a reservation: by its holder, or by an admin (a force-release).</summary>
    public async Task<ReservationOutcome> ReleaseAsync(Actor actor, int reservationId, CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var reservation = await db.Reservations.AsNoTracking().SingleOrDefaultAsync(r => r.Id == reservationId, cancellationToken);
            if (HolderError(actor, reservation, reservationId, "release") is { } refused)
            {
                return refused;
            }

            var action = reservation!.UserId == actor.UserId ? "release" : "force-release";
            return await EndAsync(reservationId, ReservationState.Released, actor.Email, action, cancellationToken);
        }
    }

    /// <summary>Releases every lease that has run out, with its teardown; returns how many.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken)
    {
        List<int> due;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var now = Now;
            due = await db.Reservations
                .Where(r => r.State == ReservationState.Active && r.ExpiresAt <= now)
                .Select(r => r.Id)
                .ToListAsync(cancellationToken);
        }

        foreach (var id in due)
        {
            await EndAsync(id, ReservationState.Expired, AuditLog.System, "expire", cancellationToken);
        }

        return due.Count;
    }

    public async Task<ReservationOutcome> CancelQueueEntryAsync(Actor actor, int entryId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entry = await db.Queue.Include(q => q.Class).SingleOrDefaultAsync(q => q.Id == entryId, cancellationToken);
        if (entry is null || (entry.UserId != actor.UserId && !actor.IsAdmin))
        {
            return ReservationOutcome.Fail(ReservationErrorKind.NotFound, $"There is no queued request {entryId} of yours.");
        }

        var cancelled = await db.Queue
            .Where(q => q.Id == entryId && q.State == QueueEntryState.Waiting)
            .ExecuteUpdateAsync(s => s.SetProperty(q => q.State, QueueEntryState.Cancelled), cancellationToken);
        if (cancelled == 0)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Queued request {entryId} is no longer waiting ({entry.State.ToString().ToLowerInvariant()}).");
        }

        await audit.WriteAsync(actor.Email, entry.UserId == actor.UserId ? "queue-cancel" : "queue-drop", null, null, $"request {entryId} for class {entry.Class.Name}", cancellationToken);
        events.Publish(new QueueChanged(entry.Class.Name));
        return new ReservationOutcome(null, await GetQueueEntryAsync(entryId, cancellationToken));
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

            await db.SaveChangesAsync(cancellationToken);
            await audit.WriteAsync(actor.Email, "queue-move", null, null, $"request {entryId} {(earlier ? "earlier" : "later")} in class {entry.Class.Name}", cancellationToken);
            events.Publish(new QueueChanged(entry.Class.Name));
        }

        return new ReservationOutcome(null, await GetQueueEntryAsync(entryId, cancellationToken));
    }

    /// <summary>An admin, having looked at a board in attention, makes it available again.</summary>
    public async Task<ReservationOutcome> ClearAttentionAsync(Actor actor, string boardName, CancellationToken cancellationToken)
    {
        if (!actor.IsAdmin)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Forbidden, "Only an admin may clear a board's attention state.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var board = await db.Boards.SingleOrDefaultAsync(b => b.Name == boardName && b.RetiredAt == null, cancellationToken);
        if (board is null)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.NotFound, $"There is no board named '{boardName}'.");
        }

        board.Condition = BoardCondition.Ready;
        await db.SaveChangesAsync(cancellationToken);
        await audit.WriteAsync(actor.Email, "clear-attention", board.Name, null, null, cancellationToken);
        events.Publish(new BoardChanged(board.Name));
        await GrantFromQueueAsync(board.BoardClassId, cancellationToken);
        return new ReservationOutcome(null);
    }

    public async Task<ReservationView?> GetAsync(int reservationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Project(db.Reservations.Where(r => r.Id == reservationId)).SingleOrDefaultAsync(cancellationToken);
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
            query = query.Where(r => r.State == ReservationState.Active);
        }

        return await Project(query.OrderByDescending(r => r.Id).Take(filter.Take)).ToListAsync(cancellationToken);
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

    /// <summary>Hands free boards of the class to waiting requests, first come first served, skipping requests whose tags match no free board.</summary>
    public async Task GrantFromQueueAsync(int boardClassId, CancellationToken cancellationToken)
    {
        var granted = new List<(int ReservationId, string Email)>();
        await _queueGate.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var waiting = await db.Queue.Include(q => q.User)
                    .Where(q => q.BoardClassId == boardClassId && q.State == QueueEntryState.Waiting)
                    .OrderBy(q => q.Position).ThenBy(q => q.Id)
                    .ToListAsync(cancellationToken);
                var free = waiting.Count == 0 ? [] : await FreeBoardsAsync(db, boardClassId, null, cancellationToken);
                (QueueEntry? Entry, Board? Board) match = default;
                foreach (var entry in free.Count == 0 ? [] : waiting)
                {
                    // Rules may have changed while the request waited: only boards its user may still reserve.
                    var permitted = await access.PermittedBoardsAsync(entry.UserId, Capability.Instantiate, boardClassId, cancellationToken);
                    if (free.FirstOrDefault(b => permitted.Contains(b.Id) && Matches(b.Tags, entry.TagFilter)) is { } board)
                    {
                        match = (entry, board);
                        break;
                    }
                }

                if (match.Entry is null)
                {
                    break;
                }

                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var claimed = await db.Queue
                    .Where(q => q.Id == match.Entry.Id && q.State == QueueEntryState.Waiting)
                    .ExecuteUpdateAsync(s => s.SetProperty(q => q.State, QueueEntryState.Granted), cancellationToken);
                var reservation = claimed == 0 ? null : await TryGrantAsync(db, match.Board!, match.Entry.UserId, match.Entry.Lease, cancellationToken);
                if (reservation is null)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    continue;
                }

                await db.Queue.Where(q => q.Id == match.Entry.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(q => q.ReservationId, reservation.Id), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                granted.Add((reservation.Id, match.Entry.User.Email ?? match.Entry.UserId));
            }
        }
        finally
        {
            _queueGate.Release();
        }

        // Setup scripts run outside the gate, so a slow script does not hold up other classes' grants.
        foreach (var (reservationId, email) in granted)
        {
            await CompleteGrantAsync(reservationId, email, fromQueue: true, cancellationToken);
        }
    }

    /// <summary>Grants waiting requests of every class; run at start so the queue picks up where it stopped.</summary>
    public async Task GrantFromAllQueuesAsync(CancellationToken cancellationToken)
    {
        List<int> classIds;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            classIds = await db.Queue.Where(q => q.State == QueueEntryState.Waiting).Select(q => q.BoardClassId).Distinct().ToListAsync(cancellationToken);
        }

        foreach (var classId in classIds)
        {
            await GrantFromQueueAsync(classId, cancellationToken);
        }
    }

    /// <summary>Inserts an active reservation of the board; null when someone else holds it.</summary>
    private async Task<Reservation?> TryGrantAsync(ApplicationDbContext db, Board board, string userId, TimeSpan lease, CancellationToken cancellationToken)
    {
        if (await db.Reservations.AnyAsync(r => r.ActiveBoardId == board.Id, cancellationToken))
        {
            return null;
        }

        var now = Now;
        var reservation = new Reservation
        {
            BoardId = board.Id,
            ActiveBoardId = board.Id,
            UserId = userId,
            State = ReservationState.Active,
            GrantedAt = now,
            ExpiresAt = now + lease,
        };
        db.Reservations.Add(reservation);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return reservation;
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // The unique index on ActiveBoardId turned away a second holder (who may have released already).
            db.Entry(reservation).State = EntityState.Detached;
            return null;
        }
    }

    /// <summary>After a grant: audit, tell open pages, run the setup script; a failed script fails the reservation and flags the board.</summary>
    private async Task<ReservationOutcome> CompleteGrantAsync(int reservationId, string email, bool fromQueue, CancellationToken cancellationToken)
    {
        var view = (await GetAsync(reservationId, cancellationToken))!;
        logger.LogInformation("Reservation {ReservationId}: {Board} granted to {User} until {ExpiresAt:u}", view.Id, view.Board, email, view.ExpiresAt);
        await audit.WriteAsync(email, "reserve", view.Board, view.Id, $"until {view.ExpiresAt:u}{(fromQueue ? ", from the queue" : "")}", cancellationToken);
        events.Publish(new ReservationChanged(view.Id, view.Board, view.UserId, ReservationState.Active, fromQueue));
        events.Publish(new BoardChanged(view.Board));
        if (fromQueue)
        {
            events.Publish(new QueueChanged(view.BoardClass));
        }

        var setup = await setupScript.RunAsync(SetupPhase.Reserve, view.Board, view.BoardClass, email, view.Id, CancellationToken.None);
        if (setup is null)
        {
            return new ReservationOutcome(view);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (setup.Succeeded)
        {
            await db.Reservations.Where(r => r.Id == reservationId).ExecuteUpdateAsync(s => s.SetProperty(r => r.SetupOutput, setup.Output), cancellationToken);
            return new ReservationOutcome(await GetAsync(reservationId, cancellationToken));
        }

        var now = Now;
        await db.Reservations.Where(r => r.Id == reservationId && r.State == ReservationState.Active)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.State, ReservationState.Failed)
                    .SetProperty(r => r.ActiveBoardId, (int?)null)
                    .SetProperty(r => r.EndedAt, now)
                    .SetProperty(r => r.SetupOutput, setup.Output),
                cancellationToken);
        await db.Boards.Where(b => b.Name == view.Board)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.Condition, BoardCondition.Attention), cancellationToken);
        var detail = $"The setup script failed for {view.Board} (exit code {setup.ExitCode}); the board needs an admin's attention. Output: {setup.Output.Trim()}";
        logger.LogWarning("Reservation {ReservationId}: setup of {Board} failed with exit code {ExitCode}", view.Id, view.Board, setup.ExitCode);
        await audit.WriteAsync(AuditLog.System, "setup-failed", view.Board, view.Id, $"exit code {setup.ExitCode}", cancellationToken);
        events.Publish(new ReservationChanged(view.Id, view.Board, view.UserId, ReservationState.Failed));
        events.Publish(new BoardChanged(view.Board));
        return new ReservationOutcome(await GetAsync(reservationId, cancellationToken), null, new ReservationError(ReservationErrorKind.SetupFailed, detail));
    }

    /// <summary>Ends an active reservation once (a conditional update), runs the teardown, then serves the class's queue.</summary>
    private async Task<ReservationOutcome> EndAsync(int reservationId, ReservationState endState, string actor, string action, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = Now;
        var ended = await db.Reservations
            .Where(r => r.Id == reservationId && r.State == ReservationState.Active)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.State, endState)
                    .SetProperty(r => r.ActiveBoardId, (int?)null)
                    .SetProperty(r => r.EndedAt, now)
                    .SetProperty(r => r.EndedBy, actor),
                cancellationToken);
        if (ended == 0)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Reservation {reservationId} has already ended.");
        }

        var view = (await GetAsync(reservationId, cancellationToken))!;
        logger.LogInformation("Reservation {ReservationId}: {Board} {Action} by {Actor}", view.Id, view.Board, action, actor);
        await audit.WriteAsync(actor, action, view.Board, view.Id, null, cancellationToken);
        events.Publish(new ReservationChanged(view.Id, view.Board, view.UserId, endState));

        var teardown = await setupScript.RunAsync(SetupPhase.Release, view.Board, view.BoardClass, view.UserEmail, view.Id, CancellationToken.None);
        if (teardown is not null)
        {
            await db.Reservations.Where(r => r.Id == reservationId)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.TeardownOutput, teardown.Output), cancellationToken);
            if (!teardown.Succeeded)
            {
                await db.Boards.Where(b => b.Name == view.Board)
                    .ExecuteUpdateAsync(s => s.SetProperty(b => b.Condition, BoardCondition.Attention), cancellationToken);
                logger.LogWarning("Reservation {ReservationId}: teardown of {Board} failed with exit code {ExitCode}", view.Id, view.Board, teardown.ExitCode);
                await audit.WriteAsync(AuditLog.System, "teardown-failed", view.Board, view.Id, $"exit code {teardown.ExitCode}", cancellationToken);
            }
        }

        events.Publish(new BoardChanged(view.Board));
        var classId = await db.Boards.Where(b => b.Name == view.Board).Select(b => b.BoardClassId).SingleAsync(cancellationToken);
        await GrantFromQueueAsync(classId, cancellationToken);
        return new ReservationOutcome(await GetAsync(reservationId, cancellationToken));
    }

    private static async Task<List<Board>> FreeBoardsAsync(ApplicationDbContext db, int boardClassId, IReadOnlyDictionary<string, string>? tagFilter, CancellationToken cancellationToken)
    {
        var boards = await db.Boards
            .Where(b => b.BoardClassId == boardClassId && b.RetiredAt == null && b.Condition == BoardCondition.Ready)
            .Where(b => !db.Reservations.Any(r => r.ActiveBoardId == b.Id))
            .OrderBy(b => b.Name)
            .ToListAsync(cancellationToken);
        return tagFilter is null ? boards : boards.Where(b => Matches(b.Tags, tagFilter)).ToList();
    }

    private static bool Matches(IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string> filter) =>
        filter.All(f => tags.TryGetValue(f.Key, out var value) && string.Equals(value, f.Value, StringComparison.OrdinalIgnoreCase));

    private static string DescribeFilter(IReadOnlyDictionary<string, string> tagFilter) =>
        tagFilter.Count == 0 ? "" : $" with {string.Join(", ", tagFilter.Select(t => $"{t.Key}={t.Value}"))}";

    private ReservationOutcome? LeaseError(TimeSpan? lease)
    {
        var max = options.CurrentValue.MaxLease;
        return lease switch
        {
            null => null,
            { } l when l <= TimeSpan.Zero => ReservationOutcome.Fail(ReservationErrorKind.Invalid, "A lease must be longer than zero."),
            { } l when l > max => ReservationOutcome.Fail(ReservationErrorKind.Invalid, $"A lease may be at most {max:g}."),
            _ => null,
        };
    }

    private static ReservationOutcome? HolderError(Actor actor, Reservation? reservation, int reservationId, string verb)
    {
        if (reservation is null)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.NotFound, $"There is no reservation {reservationId}.");
        }

        if (reservation.UserId != actor.UserId && !actor.IsAdmin)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Forbidden, $"Only the holder or an admin may {verb} reservation {reservationId}.");
        }

        return reservation.State == ReservationState.Active
            ? null
            : ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Reservation {reservationId} has already ended ({reservation.State.ToString().ToLowerInvariant()}).");
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    internal static IQueryable<ReservationView> Project(IQueryable<Reservation> query) =>
        query.AsNoTracking().Select(r => new ReservationView(
            r.Id, r.Board.Name, r.Board.Class.Name, r.UserId, r.User.Email ?? r.UserId, r.State,
            r.GrantedAt, r.ExpiresAt, r.EndedAt, r.EndedBy, r.SetupOutput, r.TeardownOutput));
}
