using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Reservations;

/// <summary>
/// The reservation lifecycle's writes of this process (grants, releases, expiries and the other state changes), one
/// group at a time. The writes that wait while a group commits form the next group: one transaction, so one commit
/// serves them all. On SQLite each commit syncs the log to disk, which took two thirds of a grant's time in the write
/// lock when every write committed alone.
/// </summary>
/// <remarks>
/// There is no writer thread. The caller who finds nobody writing leads: it commits groups until its own write is in
/// one, then hands the lead to the caller of the oldest write still waiting. A write that throws (or undoes itself)
/// rolls its whole group back, and each of the group's writes is then tried once more on its own: the others still
/// commit, and the failing write's caller gets its own try's outcome. On PostgreSQL, two portals' groups can deadlock
/// on each other's rows where single writes could not, and the database breaks that by failing a write in one of them.
/// If a group's commit fails, each of its writes is tried on its own. A write, once started, runs to its end; its caller's cancellation only withdraws it before then.
/// </remarks>
public sealed class LifecycleWrites(IDbContextFactory<ApplicationDbContext> dbFactory, ILogger<LifecycleWrites> logger)
{
    // Enough to share one commit among every request of a busy lab, few enough to keep a transaction short.
    private const int MaxGroup = 64;

    private readonly ConcurrentQueue<PendingWrite> _waiting = new();

    // 1 while a caller leads; handing the lead on keeps it at 1.
    private int _leading;

    /// <summary>
    /// Runs <paramref name="write"/> (changes saved in the context it is given; no transaction of its own) and returns
    /// its result once its group has committed. What follows a change (events, jobs) belongs after this returns. A
    /// write that finds it must not happen after all throws <see cref="Undo"/>: what it saved is rolled back, and its
    /// caller gets the default (null).
    /// </summary>
    public async Task<T> RunAsync<T>(Func<ApplicationDbContext, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite<T>(write, cancellationToken);
        _waiting.Enqueue(pending);
        if (Interlocked.CompareExchange(ref _leading, 1, 0) == 0 || await pending.LeadsNext)
        {
            await LeadUntilDoneAsync(pending);
        }

        return pending.Result();
    }

    private async Task LeadUntilDoneAsync(PendingWrite own)
    {
        try
        {
            // Only a leader takes writes off the line, so this caller's own write is still in it until taken here.
            while (!own.IsDone)
            {
                await CommitAsync(TakeGroup());
            }
        }
        finally
        {
            PassLead();
        }
    }

    private List<PendingWrite> TakeGroup()
    {
        var group = new List<PendingWrite>();
        while (group.Count < MaxGroup && _waiting.TryDequeue(out var write))
        {
            if (write.CancellationToken.IsCancellationRequested)
            {
                write.Finish(new OperationCanceledException(write.CancellationToken));
            }
            else
            {
                group.Add(write);
            }
        }

        return group;
    }

    private void PassLead()
    {
        while (true)
        {
            if (_waiting.TryPeek(out var next))
            {
                next.Lead();
                return;
            }

            Volatile.Write(ref _leading, 0);

            // A write queued between the look and the line above found a leader and waits: lead again unless another took it.
            if (_waiting.IsEmpty || Interlocked.CompareExchange(ref _leading, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private async Task CommitAsync(List<PendingWrite> group)
    {
        if (group.Count > 1 && await TryCommitTogetherAsync(group))
        {
            group.ForEach(write => write.Finish(null));
            return;
        }

        foreach (var write in group)
        {
            write.Finish(write.CancellationToken.IsCancellationRequested ? new OperationCanceledException(write.CancellationToken) : await CommitAloneAsync(write));
        }
    }

    // The whole group in one transaction, without a savepoint per write (two statements each, inside the write lock): a
    // write that undoes itself or fails sends the whole group back, and its writes are then run alone. Those are rare
    // (a queue entry claimed meanwhile, a broken database), and a second run starts from nothing, as a write must allow.
    private async Task<bool> TryCommitTogetherAsync(List<PendingWrite> group)
    {
        var committing = false;
        try
        {
            await using var db = await ContextAsync();
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            foreach (var write in group)
            {
                await write.RunAsync(db);
                db.ChangeTracker.Clear();
            }

            committing = true;
            await transaction.CommitAsync(CancellationToken.None);
            return true;
        }
        catch (Undo)
        {
            return false;
        }
        catch (Exception ex) when (committing)
        {
            logger.LogWarning(ex, "{Count} reservation writes could not commit together; each is tried on its own", group.Count);
            return false;
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "A reservation write failed in a group of {Count}; the group is rolled back and each write tried on its own", group.Count);
            return false;
        }
    }

    private async Task<Exception?> CommitAloneAsync(PendingWrite write)
    {
        try
        {
            await using var db = await ContextAsync();
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            await write.RunAsync(db);
            await transaction.CommitAsync(CancellationToken.None);
            return null;
        }
        catch (Undo)
        {
            return null; // the transaction rolls back as it is disposed
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    // A write is undone with its group's transaction, or alone with its own, so each SaveChanges in it needs no
    // savepoint of its own (two statements each) where a statement that fails leaves the transaction usable: on SQLite
    // it undoes only itself (a unique index refusing a second holder). On PostgreSQL it fails the transaction, and EF
    // Core's savepoint is what lets the write go on.
    private async Task<ApplicationDbContext> ContextAsync()
    {
        var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        db.Database.AutoSavepointsEnabled = !db.Database.IsSqlite();
        return db;
    }

    /// <summary>Thrown by a write to undo what it has saved; its caller gets the default (null).</summary>
    public sealed class Undo : Exception;

    private abstract class PendingWrite(CancellationToken cancellationToken)
    {
        // Completes once: true when this write's caller is to lead, false when the write is done.
        private readonly TaskCompletionSource<bool> _turn = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private ExceptionDispatchInfo? _error;

        public CancellationToken CancellationToken => cancellationToken;

        public Task<bool> LeadsNext => _turn.Task;

        public bool IsDone { get; private set; }

        /// <summary>Runs the write; a second run (after its group failed) must start from nothing again.</summary>
        public abstract Task RunAsync(ApplicationDbContext db);

        public void Lead() => _turn.TrySetResult(true);

        public void Finish(Exception? error)
        {
            _error = error is null ? null : ExceptionDispatchInfo.Capture(error);
            IsDone = true;
            _turn.TrySetResult(false);
        }

        protected void ThrowIfFailed() => _error?.Throw();
    }

    private sealed class PendingWrite<T>(Func<ApplicationDbContext, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
        : PendingWrite(cancellationToken)
    {
        private T _result = default!;

        public override async Task RunAsync(ApplicationDbContext db) => _result = await write(db, CancellationToken.None);

        public T Result()
        {
            ThrowIfFailed();
            return _result;
        }
    }
}
