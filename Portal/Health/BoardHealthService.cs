using Microsoft.EntityFrameworkCore;
using Portal.Audit;
using Portal.Data;
using Portal.Reservations;

namespace Portal.Health;

/// <summary>One health check in a board's history, as pages and the API show it.</summary>
public sealed record HealthCheckView(
    int Id, string Board, int ReservationId, string Trigger, HealthCheckOutcome Outcome, string? Reason, string Log, DateTime StartedAt, DateTime? FinishedAt);

/// <summary>A board's health as pages and the API show it: the health, why (bad: the check's sentence; maintenance: the admin's comment), a check waiting and the last one.</summary>
public sealed record BoardHealthView(
    string Board, BoardHealth Health, string? Note, string? CheckDue, int FailedChecksInRow, bool HasCheck, DateTime? LastCheckAt, HealthCheckView? LastCheck);

/// <summary>
/// What admins do to a board's health: run a check (it waits for a holder to release), set and end maintenance (with a
/// comment; ending it runs a check when the check asks for it), clear a bad board; and each board's check history.
/// Every change is audited and published.
/// </summary>
public sealed class BoardHealthService(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    HealthCheckTriggers triggers,
    AuditLog audit,
    LabEvents events,
    LifecycleJobs jobs)
{
    public const int MaxCommentLength = 500;

    /// <summary>An admin asks for a check now; it runs once the board is free (at once when it is). Returns the error, or null.</summary>
    public Task<ReservationError?> RequestCheckAsync(Actor actor, string board, CancellationToken cancellationToken) =>
        ChangeAsync(actor, board, "health-check-request", null, b =>
        {
            if (triggers.CheckOf(b.Name) is null)
            {
                return Conflict($"Board {b.Name} has no health check in the config (HealthCheck under its class or the board).");
            }

            if (b.Health == BoardHealth.Maintenance)
            {
                return Conflict($"Board {b.Name} is in maintenance; end the maintenance first.");
            }

            b.CheckDue ??= $"on demand by {actor.Email}";
            return null;
        }, cancellationToken);

    public Task<ReservationError?> SetMaintenanceAsync(Actor actor, string board, string? comment, CancellationToken cancellationToken)
    {
        var note = comment?.Trim();
        return ChangeAsync(actor, board, "maintenance", note, b =>
        {
            if (string.IsNullOrEmpty(note) || note.Length > MaxCommentLength)
            {
                return new(ReservationErrorKind.Invalid, $"A maintenance needs a comment of 1 to {MaxCommentLength} characters saying why.");
            }

            b.Health = BoardHealth.Maintenance;
            b.HealthNote = note;
            b.CheckDue = null;
            return null;
        }, cancellationToken);
    }

    /// <summary>Back from maintenance: health unknown, and a check due when the board's check runs after maintenance.</summary>
    public Task<ReservationError?> EndMaintenanceAsync(Actor actor, string board, CancellationToken cancellationToken) =>
        ChangeAsync(actor, board, "maintenance-end", null, b =>
        {
            if (b.Health != BoardHealth.Maintenance)
            {
                return Conflict($"Board {b.Name} is not in maintenance.");
            }

            Reset(b);
            if (triggers.CheckOf(b.Name) is { AfterMaintenance: true })
            {
                b.CheckDue = "back from maintenance";
            }

            return null;
        }, cancellationToken);

    /// <summary>An admin, having looked at a bad board, puts it back in the pool (health unknown) and lets checks run by themselves again.</summary>
    public Task<ReservationError?> ClearAsync(Actor actor, string board, CancellationToken cancellationToken) =>
        ChangeAsync(actor, board, "health-clear", null, b =>
        {
            if (b.Health != BoardHealth.Bad)
            {
                return Conflict($"Board {b.Name} is not bad.");
            }

            Reset(b);
            return null;
        }, cancellationToken);

    public async Task<BoardHealthView?> GetAsync(string board, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // The last check before the board: a check's end and the board's health commit together, so a check read as
        // ended has its health on the board read after it (the other order could pair an ended check with the old health).
        var last = await Project(db.HealthChecks.Where(r => r.Board.Name == board && r.Board.RetiredAt == null).OrderByDescending(r => r.Id)).FirstOrDefaultAsync(cancellationToken);
        var found = await db.Boards.AsNoTracking().SingleOrDefaultAsync(b => b.Name == board && b.RetiredAt == null, cancellationToken);
        if (found is null)
        {
            return null;
        }

        return new BoardHealthView(found.Name, found.Health, found.HealthNote, found.CheckDue, found.FailedChecksInRow, triggers.CheckOf(found.Name) is not null, found.LastCheckAt, last);
    }

    /// <summary>The board's last checks, newest first (at most <see cref="HealthCheckRunner.HistoryPerBoard"/> are kept).</summary>
    public async Task<IReadOnlyList<HealthCheckView>> HistoryAsync(string board, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Project(db.HealthChecks.Where(r => r.Board.Name == board).OrderByDescending(r => r.Id)).ToListAsync(cancellationToken);
    }

    private static IQueryable<HealthCheckView> Project(IQueryable<HealthCheckRun> runs) =>
        runs.AsNoTracking().Select(r => new HealthCheckView(r.Id, r.Board.Name, r.ReservationId, r.Trigger, r.Outcome, r.Reason, r.Log, r.StartedAt, r.FinishedAt));

    private static ReservationError Conflict(string detail) => new(ReservationErrorKind.Conflict, detail);

    private static void Reset(Board board)
    {
        board.Health = BoardHealth.Unknown;
        board.HealthNote = null;
        board.FailedChecksInRow = 0;
    }

    private async Task<ReservationError?> ChangeAsync(Actor actor, string boardName, string action, string? details, Func<Board, ReservationError?> change, CancellationToken cancellationToken)
    {
        if (!actor.IsAdmin)
        {
            return new(ReservationErrorKind.Forbidden, "Only an admin may run health checks or change a board's health.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var board = await db.Boards.SingleOrDefaultAsync(b => b.Name == boardName && b.RetiredAt == null, cancellationToken);
        if (board is null)
        {
            return new(ReservationErrorKind.NotFound, $"There is no board named '{boardName}'.");
        }

        if (change(board) is { } refusal)
        {
            return refusal;
        }

        audit.Add(db, actor.Email, action, board.Name, null, details);
        await db.SaveChangesAsync(cancellationToken);
        events.Publish(new BoardChanged(board.Name));

        // Back in the pool, perhaps: those waiting for its class get their turn.
        jobs.Enqueue(new ServeQueueJob(board.BoardClassId));
        return null;
    }
}
