using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Reservations;

namespace Portal.Health;

/// <summary>
/// Starts due health checks: marks the boards whose <c>Every</c> has passed as due (out of the pool from then on, so
/// the check goes before the queue once the board is free), and lets each due, free board be taken by its check. Wakes
/// when a board is freed or changes (a check asked for) and every half minute.
/// </summary>
public sealed class HealthCheckScheduler(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    HealthCheckTriggers triggers,
    ReservationLifecycle lifecycle,
    LabEvents events,
    TimeProvider clock,
    Cluster.ILeadership leadership,
    ILogger<HealthCheckScheduler> logger) : BackgroundService, ILabEventHandler<BoardChanged>, ILabEventHandler<ReservationChanged>
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    // The due boards, and whether each is held: read each time the scheduler wakes, so compiled once per instance (a
    // compiled query serves one model, and a process may host several portals, as the tests do).
    private readonly Func<ApplicationDbContext, IAsyncEnumerable<DueBoard>> _due = EF.CompileAsyncQuery(
        (ApplicationDbContext db) => db.Boards.AsNoTracking()
            .Where(b => b.CheckDue != null && b.RetiredAt == null && b.Condition == BoardCondition.Ready && b.Health != BoardHealth.Maintenance)
            .Select(b => new DueBoard(b.Id, b.Name, db.Reservations.Any(r => r.ActiveBoardId == b.Id))));

    // The boards whose check waits for their holder to let go, as last read: only their release wakes the scheduler. A
    // check that becomes due later comes with a BoardChanged, which wakes it anyway.
    private volatile IReadOnlySet<string> _waitingForRelease = new HashSet<string>();

    // A board never checked counts its Every from the portal's start, so a start does not check the whole lab at once.
    private readonly DateTime _startedAt = clock.GetUtcNow().UtcDateTime;

    public Task HandleAsync(BoardChanged labEvent, CancellationToken cancellationToken)
    {
        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    public bool Takes(ReservationChanged labEvent) =>
        !labEvent.State.IsHeld() && labEvent.State != ReservationState.Releasing && _waitingForRelease.Contains(labEvent.Board);

    public Task HandleAsync(ReservationChanged labEvent, CancellationToken cancellationToken)
    {
        _wake.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    // One instance among those sharing the database runs it; another takes over when that one goes.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leadership.LeadAsync("health-check-scheduler", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await MarkDueAsync(stoppingToken);
                await StartDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Starting due health checks failed");
            }

            try
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var woken = _wake.Reader.WaitToReadAsync(tick.Token).AsTask();
                await Task.WhenAny(woken, Task.Delay(Interval, clock, tick.Token));
                await tick.CancelAsync();
                _wake.Reader.TryRead(out _);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task MarkDueAsync(CancellationToken cancellationToken)
    {
        // This runs after every board change, so it reads only the boards whose check has an interval (most have none).
        var timed = triggers.BoardsCheckedAtIntervals();
        if (timed.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var marked = new List<string>();
        // A board being checked is not due again: its interval counts from the end of this check.
        var boards = await db.Boards
            .Where(b => timed.Contains(b.Name.ToLower()) && b.RetiredAt == null && b.CheckDue == null && !db.Reservations.Any(r => r.ActiveBoardId == b.Id && r.HealthCheck))
            .ToListAsync(cancellationToken);
        foreach (var board in boards)
        {
            if (triggers.CheckOf(board.Name) is { Every: { } every } check && HealthCheckTriggers.RunsByItself(board, check) && (board.LastCheckAt ?? _startedAt) + every <= now)
            {
                board.CheckDue = $"every {every}";
                marked.Add(board.Name);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        marked.ForEach(board => events.Publish(new BoardChanged(board)));
    }

    private async Task StartDueAsync(CancellationToken cancellationToken)
    {
        List<DueBoard> due;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            due = await _due(db).ToListAsync(cancellationToken);
        }

        _waitingForRelease = due.Where(b => b.Held).Select(b => b.Name).ToHashSet();
        foreach (var (id, name, _) in due.Where(b => !b.Held))
        {
            if (triggers.CheckOf(name) is { } check)
            {
                await lifecycle.TryTakeForHealthCheckAsync(id, check.Duration(), cancellationToken);
            }
            else
            {
                // The check left the config while it was due: nothing will run, so nothing keeps the board from the pool.
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                await db.Boards.Where(b => b.Id == id).ExecuteUpdateAsync(s => s.SetProperty(b => b.CheckDue, (string?)null), cancellationToken);
                events.Publish(new BoardChanged(name));
            }
        }
    }

    private sealed record DueBoard(int Id, string Name, bool Held);
}
