using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Data;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Reservations;

/// <summary>The lifecycle's writes, committed in groups: each write all or nothing, whatever the others in its group do.</summary>
public sealed class LifecycleWritesTests : IDisposable
{
    private readonly TestDatabase _database = new();
    private readonly LifecycleWrites _writes;

    public LifecycleWritesTests() => _writes = new LifecycleWrites(_database, NullLogger<LifecycleWrites>.Instance);

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task WritesThatWaitedCommitTogether()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = HoldTheLead(gate.Task);
        var waited = Enumerable.Range(0, 10).Select(i => _writes.RunAsync(
            async (db, ct) =>
            {
                await SaveAsync(db, $"waited-{i}", ct);
                return db.Database.CurrentTransaction!.TransactionId;
            },
            CancellationToken.None)).ToList();
        gate.SetResult();

        var firstTransaction = await first.WaitAsync(TimeSpan.FromSeconds(30));
        var transactions = await Task.WhenAll(waited).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(transactions.Distinct());
        Assert.NotEqual(firstTransaction, transactions[0]);
        Assert.Equal(["first", .. Enumerable.Range(0, 10).Select(i => $"waited-{i}")], await SavedAsync());
    }

    [Fact]
    public async Task AWriteThatFailsOrUndoesItselfInAGroupLosesOnlyItsOwnChanges()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = HoldTheLead(gate.Task);
        var before = Enumerable.Range(0, 5).Select(i => SaveOneAsync($"before-{i}", CancellationToken.None)).ToList();
        var failing = _writes.RunAsync<bool>(
            async (db, ct) =>
            {
                await SaveAsync(db, "failing", ct);
                throw new InvalidOperationException("The write found the board gone.");
            },
            CancellationToken.None);
        var undone = _writes.RunAsync<string?>(
            async (db, ct) =>
            {
                await SaveAsync(db, "undone", ct);
                throw new LifecycleWrites.Undo();
            },
            CancellationToken.None);
        using var callerLeft = new CancellationTokenSource();
        var withdrawn = SaveOneAsync("withdrawn", callerLeft.Token);
        var after = Enumerable.Range(0, 5).Select(i => SaveOneAsync($"after-{i}", CancellationToken.None)).ToList();
        await callerLeft.CancelAsync();
        gate.SetResult();

        await first.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll([.. before, .. after]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("The write found the board gone.", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);
        Assert.Null(await undone);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn);
        Assert.Equal(
            ["first", .. Enumerable.Range(0, 5).Select(i => $"before-{i}"), .. Enumerable.Range(0, 5).Select(i => $"after-{i}")],
            await SavedAsync());
    }

    [Fact]
    public async Task ManyCallersAtOnceEachHaveTheirWriteCommittedOnce()
    {
        var writes = Enumerable.Range(0, 300).Select(i => Task.Run(() => _writes.RunAsync(
            async (db, ct) =>
            {
                await SaveAsync(db, $"write-{i}", ct);
                return i;
            },
            CancellationToken.None)));

        Assert.Equal(Enumerable.Range(0, 300), (await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(60))).Order());
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"write-{i}").Order(), (await SavedAsync()).Order());
    }

    // A first write that keeps the lead until the gate opens, so that the writes started meanwhile wait and form one group.
    private Task<Guid> HoldTheLead(Task gate) => _writes.RunAsync(
        async (db, ct) =>
        {
            await SaveAsync(db, "first", ct);
            await gate;
            return db.Database.CurrentTransaction!.TransactionId;
        },
        CancellationToken.None);

    private Task<bool> SaveOneAsync(string action, CancellationToken cancellationToken) => _writes.RunAsync(
        async (db, ct) =>
        {
            await SaveAsync(db, action, ct);
            return true;
        },
        cancellationToken);

    private static Task SaveAsync(ApplicationDbContext db, string action, CancellationToken cancellationToken)
    {
        db.Audit.Add(new AuditEntry { At = DateTime.UtcNow, Actor = "test", Action = action });
        return db.SaveChangesAsync(cancellationToken);
    }

    private async Task<List<string>> SavedAsync()
    {
        await using var db = _database.CreateDbContext();
        return await db.Audit.OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
    }
}
