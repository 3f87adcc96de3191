using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Lab;

namespace Portal.Reservations;

/// <summary>
/// A reservation from grant to end: preparing (setup script) → active → releasing (teardown script) → released or
/// expired, or failed. Each grant and each state change is one write with its audit entry, saved all or none (see
/// <see cref="LifecycleWrites"/>, which commits the writes that wait together); the scripts run afterwards as
/// <see cref="LifecycleJobs"/>, so a reserve, release or expiry returns without waiting for them.
/// The database decides who gets a board: a grant inserts a row with <see cref="Reservation.ActiveBoardId"/> set, which
/// a unique index allows once per board, until the reservation has ended; the changes after it are conditional
/// updates (<see cref="ReservationTransitions"/>) that only one caller can win. So no board is handed out twice.
/// </summary>
public sealed class ReservationLifecycle(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    IOptionsMonitor<ReservationOptions> options,
    SetupScriptRunner scripts,
    AccessPolicy access,
    AuditLog audit,
    ReservationQueries queries,
    LifecycleJobs jobs,
    LifecycleWrites writes,
    LabEvents events,
    Health.HealthCheckTriggers healthChecks,
    TimeProvider clock,
    ILogger<ReservationLifecycle> logger)
{
    // The reserve path's queries, compiled once per instance (a compiled query serves one model, and a process may host
    // several portals, as the tests do): every reserve runs the first, and every grant the second among the lifecycle's
    // writes, so a call skips EF Core's translation-cache lookup of the expression.

    // The board with its class, and how it is held if it is, in one query: in a busy lab most requests find it taken.
    private readonly Func<ApplicationDbContext, string, CancellationToken, Task<BoardToReserveRow?>> _boardToReserve = EF.CompileAsyncQuery(
        (ApplicationDbContext db, string name, CancellationToken cancellationToken) => db.Boards.AsNoTracking()
            .Where(b => b.Name == name && b.RetiredAt == null)
            .Select(b => new BoardToReserveRow(b, b.Class, db.Reservations.Where(r => r.ActiveBoardId == b.Id).Select(r => (ReservationState?)r.State).FirstOrDefault()))
            .SingleOrDefault());

    // Free and in the pool.
    private readonly Func<ApplicationDbContext, int, CancellationToken, Task<bool>> _isGrantable = EF.CompileAsyncQuery(
        (ApplicationDbContext db, int boardId, CancellationToken cancellationToken) =>
            db.Boards.Where(b => b.Id == boardId && !db.Reservations.Any(r => r.ActiveBoardId == b.Id)).Any(BoardPool.InPool));

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<ReservationOutcome> ReserveBoardAsync(Actor actor, string boardName, TimeSpan? lease, CancellationToken cancellationToken)
    {
        if (options.CurrentValue.LeaseError(lease) is { } invalid)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Invalid, invalid);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await _boardToReserve(db, boardName, cancellationToken);
        if (found is null)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.NotFound, $"There is no board named '{boardName}'.");
        }

        var board = found.Board;
        board.Class = found.Class;
        var decision = await access.DecideAsync(actor, Capability.Instantiate, AccessTarget.Of(board), cancellationToken);
        if (!decision.Permitted)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Forbidden, $"You lack the Instantiate capability on board {board.Name} ({decision.Reason}).");
        }

        if (BoardPool.WhyNot(board) is { } outOfPool)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Conflict, outOfPool);
        }

        if (found.HeldAs is { } held)
        {
            return ReservationOutcome.Fail(
                ReservationErrorKind.Conflict,
                held == ReservationState.Releasing ? $"Board {board.Name} is being released; its teardown script is still running." : Reserved());
        }

        // Lost to a grant that committed after the read above.
        return await TryGrantAsync(board, actor.UserId, actor.Email, lease ?? options.CurrentValue.DefaultLease, queueEntryId: null, cancellationToken) is { } granted
            ? new ReservationOutcome(granted)
            : ReservationOutcome.Fail(ReservationErrorKind.Conflict, Reserved());

        string Reserved() => $"Board {board.Name} is reserved.";
    }

    public async Task<ReservationOutcome> ExtendAsync(Actor actor, int reservationId, TimeSpan? by, CancellationToken cancellationToken)
    {
        var extension = by ?? options.CurrentValue.DefaultLease;
        if (extension <= TimeSpan.Zero)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Invalid, "An extension must be longer than zero.");
        }

        var reservation = await queries.GetAsync(reservationId, cancellationToken);
        if (HolderError(actor, reservation, reservationId) is { } refused)
        {
            return refused;
        }

        var maxLease = options.CurrentValue.MaxLease;
        var expiresAt = Min(reservation!.ExpiresAt + extension, Now + maxLease);
        if (expiresAt <= reservation.ExpiresAt)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Invalid, $"Reservation {reservationId} already runs for the maximum lease of {maxLease:g}.");
        }

        var extended = await writes.RunAsync(
            async (db, ct) =>
            {
                if (await db.Reservations.ExtendAsync(reservationId, expiresAt, ct) == 0)
                {
                    return false;
                }

                audit.Add(db, actor.Email, "extend", reservation.Board, reservationId, $"until {expiresAt:u}");
                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);
        if (!extended)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Reservation {reservationId} has already ended.");
        }

        events.Publish(new ReservationChanged(reservationId, reservation.Board, reservation.UserId, reservation.State));
        return new ReservationOutcome(reservation with { ExpiresAt = expiresAt });
    }

    /// <summary>Ends a reservation: by its holder, or by an admin (a force-release). Returns once it is releasing.</summary>
    public async Task<ReservationOutcome> ReleaseAsync(Actor actor, int reservationId, CancellationToken cancellationToken)
    {
        var reservation = await queries.GetAsync(reservationId, cancellationToken);
        if (HolderError(actor, reservation, reservationId) is { } refused)
        {
            return refused;
        }

        var action = reservation!.UserId == actor.UserId ? "release" : "force-release";
        return await EndOneAsync(reservation, actor.Email, action, null, cancellationToken);
    }

    /// <summary>
    /// An admin action, or the portal acting for one (a user disabled or deleted), ends a reservation whoever holds
    /// it, with its teardown, audited as a force-release with the reason. Returns once it is releasing.
    /// </summary>
    public async Task<ReservationOutcome> EndAsAdminAsync(string adminEmail, int reservationId, string reason, CancellationToken cancellationToken)
    {
        var reservation = await queries.GetAsync(reservationId, cancellationToken);
        if (reservation is null)
        {
            return ReservationOutcome.Fail(ReservationErrorKind.NotFound, $"There is no reservation {reservationId}.");
        }

        return HealthCheckRefusal(reservation) ?? await EndOneAsync(reservation, adminEmail, "force-release", reason, cancellationToken);
    }

    /// <summary>Moves every lease that has run out to releasing (or ends it, without a teardown script), all in one transaction; returns how many.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken)
    {
        var now = Now;
        var due = await queries.ListDueAsync(now, cancellationToken);
        return due.Count == 0 ? 0 : (await EndAsync(due, ReservationState.Expired, AuditLog.System, "expire", null, onlyIfDueBy: now, cancellationToken)).Count;
    }

    /// <summary>When the next lease runs out, if any does; the clock sleeps until then.</summary>
    public async Task<DateTime?> NextExpiryAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Reservations
            .Where(r => (r.State == ReservationState.Preparing || r.State == ReservationState.Active) && !r.HealthCheck)
            .OrderBy(r => r.ExpiresAt)
            .Select(r => (DateTime?)r.ExpiresAt)
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// After a start: a setup, teardown or health check that a crash or kill interrupted runs again (scripts are
    /// expected to be idempotent), and every class with waiting requests is served.
    /// </summary>
    public async Task ResumeAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var unfinished = await db.Reservations.AsNoTracking()
            .Where(r => r.State == ReservationState.Preparing || r.State == ReservationState.Releasing || (r.HealthCheck && r.State == ReservationState.Active))
            .Select(r => new { r.Id, r.State, r.HealthCheck, Board = r.Board.Name })
            .ToListAsync(cancellationToken);
        foreach (var reservation in unfinished)
        {
            logger.LogInformation("Reservation {ReservationId}: resuming {State} of {Board} after a restart", reservation.Id, reservation.HealthCheck ? "health check" : reservation.State, reservation.Board);
            jobs.Enqueue(reservation switch
            {
                { HealthCheck: true } => new HealthCheckJob(reservation.Id, reservation.Board),
                { State: ReservationState.Preparing } => new PrepareJob(reservation.Id, reservation.Board),
                _ => new TearDownJob(reservation.Id, reservation.Board),
            });
        }

        foreach (var classId in await db.Queue.Where(q => q.State == QueueEntryState.Waiting).Select(q => q.BoardClassId).Distinct().ToListAsync(cancellationToken))
        {
            jobs.Enqueue(new ServeQueueJob(classId));
        }
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
        audit.Add(db, actor.Email, "clear-attention", board.Name, null, null);
        await db.SaveChangesAsync(cancellationToken);
        events.Publish(new BoardChanged(board.Name));
        jobs.Enqueue(new ServeQueueJob(board.BoardClassId));
        return new ReservationOutcome(null);
    }

    /// <summary>
    /// A due health check takes the free board as a grant would (the same unique index, so never beside a holder), in
    /// one transaction with its run and audit entry; its console is recorded as a reservation's. Null when the board is
    /// taken, no longer due, or in maintenance or offline meanwhile. The check runs as a <see cref="HealthCheckJob"/>.
    /// </summary>
    internal async Task<int?> TryTakeForHealthCheckAsync(int boardId, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = Now;
        var taken = await writes.RunAsync(
            async (db, ct) =>
            {
                var board = await db.Boards.SingleAsync(b => b.Id == boardId, ct);
                if (board is not { CheckDue: { } trigger, Condition: BoardCondition.Ready, RetiredAt: null } || board.Health == BoardHealth.Maintenance
                    || await db.Reservations.AnyAsync(r => r.ActiveBoardId == boardId, ct))
                {
                    return null;
                }

                var reservation = new Reservation
                {
                    BoardId = boardId,
                    ActiveBoardId = boardId,
                    UserId = null,
                    HealthCheck = true,
                    State = ReservationState.Active,
                    GrantedAt = now,
                    ExpiresAt = now + duration,
                };
                if (!await TryTakeAsync(db, reservation, ct))
                {
                    return null;
                }

                db.HealthChecks.Add(new HealthCheckRun { BoardId = boardId, ReservationId = reservation.Id, Trigger = trigger, Outcome = HealthCheckOutcome.Running, StartedAt = now });
                board.CheckDue = null;
                audit.Add(db, AuditLog.System, "health-check", board.Name, reservation.Id, trigger);
                await db.SaveChangesAsync(ct);
                return new { ReservationId = reservation.Id, Board = board.Name, Trigger = trigger };
            },
            cancellationToken);
        if (taken is null)
        {
            return null;
        }

        logger.LogInformation("Reservation {ReservationId}: health check of {Board} ({Trigger}) took the board", taken.ReservationId, taken.Board, taken.Trigger);
        events.Publish(new ReservationChanged(taken.ReservationId, taken.Board, "", ReservationState.Active, HealthCheck: true));
        events.Publish(new BoardChanged(taken.Board));
        jobs.Enqueue(new HealthCheckJob(taken.ReservationId, taken.Board));
        return taken.ReservationId;
    }

    /// <summary>
    /// A health check is over: its reservation ends (the board free) in one transaction with what
    /// <paramref name="record"/> writes (the board's health, the run), then the class's queue is served.
    /// </summary>
    internal async Task EndHealthCheckAsync(int reservationId, Func<ApplicationDbContext, Task> record, CancellationToken cancellationToken)
    {
        string board;
        int classId;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var taken = await db.Reservations.AsNoTracking().Where(r => r.Id == reservationId && r.HealthCheck)
                .Select(r => new { Board = r.Board.Name, r.Board.BoardClassId }).SingleAsync(cancellationToken);
            (board, classId) = (taken.Board, taken.BoardClassId);
        }

        var ended = await writes.RunAsync(
            async (db, ct) =>
            {
                if (await db.Reservations.EndAsync(reservationId, ReservationState.Released, AuditLog.System, Now, onlyIfDueBy: null, ct) == 0)
                {
                    return false;
                }

                await record(db);
                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);
        if (!ended)
        {
            return;
        }

        events.Publish(new ReservationChanged(reservationId, board, "", ReservationState.Released, HealthCheck: true));
        events.Publish(new BoardChanged(board));
        jobs.Enqueue(new ServeQueueJob(classId));
    }

    /// <summary>
    /// Grants the board (with its class) to the user, in one transaction with its audit entry (and, for a queued
    /// request, the claim of its queue entry); null when someone holds the board or the queue entry is no longer
    /// waiting. The callers have found the board free just before.
    /// </summary>
    internal async Task<ReservationView?> TryGrantAsync(Board board, string userId, string email, TimeSpan lease, int? queueEntryId, CancellationToken cancellationToken)
    {
        var now = Now;
        var prepare = scripts.IsConfigured;
        var reservation = await writes.RunAsync(
            async (db, ct) =>
            {
                // Again among the writes: of the requests that found the board free, only the first gets here to an
                // empty slot; the rest turn back without a failed insert. A board that left the pool meanwhile (a
                // health check became due, an admin set maintenance) is not granted either.
                if (!await _isGrantable(db, board.Id, ct))
                {
                    return null;
                }

                var reservation = new Reservation
                {
                    BoardId = board.Id,
                    ActiveBoardId = board.Id,
                    UserId = userId,
                    State = prepare ? ReservationState.Preparing : ReservationState.Active,
                    GrantedAt = now,
                    ExpiresAt = now + lease,
                };
                if (!await TryTakeAsync(db, reservation, ct))
                {
                    return null;
                }

                if (queueEntryId is { } entryId && await db.Queue
                        .Where(q => q.Id == entryId && q.State == QueueEntryState.Waiting)
                        .ExecuteUpdateAsync(s => s.SetProperty(q => q.State, QueueEntryState.Granted).SetProperty(q => q.ReservationId, reservation.Id), ct) == 0)
                {
                    throw new LifecycleWrites.Undo(); // the request left the queue meanwhile: no grant
                }

                var fromQueue = queueEntryId is not null;
                audit.Add(db, email, "reserve", board.Name, reservation.Id, $"until {reservation.ExpiresAt:u}{(fromQueue ? ", from the queue" : "")}");
                await db.SaveChangesAsync(ct);
                return reservation;
            },
            cancellationToken);
        if (reservation is null)
        {
            return null;
        }

        logger.LogInformation("Reservation {ReservationId}: {Board} granted to {User} until {ExpiresAt:u}", reservation.Id, board.Name, email, reservation.ExpiresAt);
        events.Publish(new ReservationChanged(reservation.Id, board.Name, userId, reservation.State, FromQueue: queueEntryId is not null, Granted: true));
        if (prepare)
        {
            jobs.Enqueue(new PrepareJob(reservation.Id, board.Name));
        }

        return new ReservationView(
            reservation.Id, board.Name, board.Class!.Name,
            userId, email, reservation.State, reservation.GrantedAt, reservation.ExpiresAt, null, null, null, null);
    }

    /// <summary>The setup job: runs the script, then preparing → active, or → failed with the board in attention.</summary>
    internal async Task PrepareAsync(int reservationId, CancellationToken cancellationToken)
    {
        if (await queries.GetAsync(reservationId, cancellationToken) is not { State: ReservationState.Preparing } reservation)
        {
            return;
        }

        var setup = await scripts.RunAsync(SetupPhase.Reserve, reservation.Board, reservation.BoardClass, reservation.UserEmail, reservationId, cancellationToken);
        if (setup is null || setup.Succeeded)
        {
            // Released while preparing: the release's teardown, queued behind this job, takes over.
            var activated = await writes.RunAsync((db, ct) => db.Reservations.ActivateAsync(reservationId, setup?.Output ?? "", ct), cancellationToken);
            if (activated == 1)
            {
                events.Publish(new ReservationChanged(reservationId, reservation.Board, reservation.UserId, ReservationState.Active));
            }

            return;
        }

        var failed = await writes.RunAsync(
            async (db, ct) =>
            {
                if (await db.Reservations.FailAsync(reservationId, setup.Output, Now, ct) == 0)
                {
                    return false;
                }

                await db.Boards.Where(b => b.Name == reservation.Board).ExecuteUpdateAsync(s => s.SetProperty(b => b.Condition, BoardCondition.Attention), ct);
                audit.Add(db, AuditLog.System, "setup-failed", reservation.Board, reservationId, $"exit code {setup.ExitCode}");
                await db.SaveChangesAsync(ct);
                return true;
            },
            cancellationToken);
        if (!failed)
        {
            return;
        }

        logger.LogWarning("Reservation {ReservationId}: setup of {Board} failed with exit code {ExitCode}; the board needs an admin's attention", reservationId, reservation.Board, setup.ExitCode);
        events.Publish(new ReservationChanged(reservationId, reservation.Board, reservation.UserId, ReservationState.Failed));
        events.Publish(new BoardChanged(reservation.Board));
    }

    /// <summary>The teardown job: runs the script, then releasing → released or expired, the board free (or in attention when the script failed), and the class's queue served.</summary>
    internal async Task TearDownAsync(int reservationId, CancellationToken cancellationToken)
    {
        ReservationState endsAs;
        int classId;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var releasing = await db.Reservations.AsNoTracking()
                .Where(r => r.Id == reservationId && r.State == ReservationState.Releasing)
                .Select(r => new { r.EndsAs, r.Board.BoardClassId })
                .SingleOrDefaultAsync(cancellationToken);
            if (releasing is null)
            {
                return;
            }

            (endsAs, classId) = (releasing.EndsAs ?? ReservationState.Released, releasing.BoardClassId);
        }

        var reservation = (await queries.GetAsync(reservationId, cancellationToken))!;
        var teardown = await scripts.RunAsync(SetupPhase.Release, reservation.Board, reservation.BoardClass, reservation.UserEmail, reservationId, cancellationToken);
        var teardownFailed = teardown is { Succeeded: false };
        var finished = await writes.RunAsync(
            async (db, ct) =>
            {
                if (await db.Reservations.FinishReleaseAsync(reservationId, endsAs, teardown?.Output, ct) == 0)
                {
                    return (Health.ReservationEnd?)null;
                }

                var end = await healthChecks.ReservationEndedAsync(db, reservation.Board, teardownFailed, ct);
                if (teardownFailed)
                {
                    audit.Add(db, AuditLog.System, "teardown-failed", reservation.Board, reservationId, $"exit code {teardown!.ExitCode}");
                }

                await db.SaveChangesAsync(ct);
                return end;
            },
            cancellationToken);
        if (finished is not { } ended)
        {
            return;
        }

        if (teardownFailed)
        {
            logger.LogWarning("Reservation {ReservationId}: teardown of {Board} failed with exit code {ExitCode}", reservationId, reservation.Board, teardown!.ExitCode);
        }

        events.Publish(new ReservationChanged(reservationId, reservation.Board, reservation.UserId, endsAs));
        if (ended.BoardChanged)
        {
            events.Publish(new BoardChanged(reservation.Board));
        }

        jobs.Enqueue(new ServeQueueJob(classId));
    }

    /// <summary>
    /// Ends held reservations, each once, in one transaction with their audit entries: to releasing when a teardown
    /// script will run (then queued as a job), else straight to their end state with their class's queue served next.
    /// Returns those it ended, as they are now; one that had already ended (or, with <paramref name="onlyIfDueBy"/>,
    /// was extended meanwhile) is left out.
    /// </summary>
    private async Task<IReadOnlyList<ReservationView>> EndAsync(IReadOnlyList<ReservationView> reservations, ReservationState endsAs, string actor, string action, string? details, DateTime? onlyIfDueBy, CancellationToken cancellationToken)
    {
        var tearDown = scripts.IsConfigured;
        var state = tearDown ? ReservationState.Releasing : endsAs;
        var now = Now;
        var (ended, freedClasses, changedBoards) = await writes.RunAsync(
            async (db, ct) =>
            {
                var ended = new List<ReservationView>();
                var freedClasses = new HashSet<int>();
                var changedBoards = new List<string>();
                foreach (var reservation in reservations)
                {
                    var changed = tearDown
                        ? await db.Reservations.BeginReleaseAsync(reservation.Id, endsAs, actor, now, onlyIfDueBy, ct)
                        : await db.Reservations.EndAsync(reservation.Id, endsAs, actor, now, onlyIfDueBy, ct);
                    if (changed == 1)
                    {
                        audit.Add(db, actor, action, reservation.Board, reservation.Id, details);
                        ended.Add(reservation with { State = state, EndedAt = now, EndedBy = actor });
                        if (!tearDown)
                        {
                            var end = await healthChecks.ReservationEndedAsync(db, reservation.Board, teardownFailed: false, ct);
                            freedClasses.Add(end.BoardClassId);
                            if (end.BoardChanged)
                            {
                                changedBoards.Add(reservation.Board);
                            }
                        }
                    }
                }

                await db.SaveChangesAsync(ct);
                return (ended, freedClasses, changedBoards);
            },
            cancellationToken);

        foreach (var reservation in ended)
        {
            logger.LogInformation("Reservation {ReservationId}: {Board} {Action} by {Actor}, now {State}", reservation.Id, reservation.Board, action, actor, state);
            events.Publish(new ReservationChanged(reservation.Id, reservation.Board, reservation.UserId, state));
            if (tearDown)
            {
                jobs.Enqueue(new TearDownJob(reservation.Id, reservation.Board));
            }
        }

        changedBoards.ForEach(board => events.Publish(new BoardChanged(board)));
        foreach (var classId in freedClasses)
        {
            jobs.Enqueue(new ServeQueueJob(classId));
        }

        return ended;
    }

    private async Task<ReservationOutcome> EndOneAsync(ReservationView reservation, string actor, string action, string? details, CancellationToken cancellationToken) =>
        await EndAsync([reservation], ReservationState.Released, actor, action, details, onlyIfDueBy: null, cancellationToken) is [var ended]
            ? new ReservationOutcome(ended)
            : ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Reservation {reservation.Id} has already ended.");

    // Saves a reservation that holds its board, the context's only pending change. The unique index on ActiveBoardId
    // lets one holder in; a second (another portal instance's grant, say) is turned away, and its insert undone (see
    // LifecycleWrites: by SQLite itself, on PostgreSQL by EF Core's savepoint).
    private static async Task<bool> TryTakeAsync(ApplicationDbContext db, Reservation reservation, CancellationToken cancellationToken)
    {
        db.Reservations.Add(reservation);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return false;
        }
    }

    private static ReservationOutcome? HolderError(Actor actor, ReservationView? reservation, int reservationId)
    {
        // Someone else's reservation is answered as a missing one: a refusal would tell that the id exists.
        if (reservation is null || !actor.IsHolderOrAdmin(reservation.UserId))
        {
            return ReservationOutcome.Fail(ReservationErrorKind.NotFound, $"There is no reservation {reservationId}.");
        }

        if (HealthCheckRefusal(reservation) is { } refused)
        {
            return refused;
        }

        return reservation.State.IsHeld()
            ? null
            : ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Reservation {reservationId} has already ended ({reservation.State.ToString().ToLowerInvariant()}).");
    }

    // A health check's reservation is neither extended nor released by anyone: it ends with its check.
    private static ReservationOutcome? HealthCheckRefusal(ReservationView reservation) =>
        reservation.HealthCheck
            ? ReservationOutcome.Fail(ReservationErrorKind.Conflict, $"Reservation {reservation.Id} is a health check of {reservation.Board}; it ends when the check does.")
            : null;

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private sealed record BoardToReserveRow(Board Board, BoardClass Class, ReservationState? HeldAs);

}
