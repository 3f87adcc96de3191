using Portal.Events;
using Portal.Tests.Support;

namespace Portal.Tests.Events;

public sealed class PageReloadsTests
{
    [Fact]
    public async Task PagesWokenByTheSameChangeShareOneReadAndAPageWokenByALaterChangeReadsAgain()
    {
        var events = LabEventLog.NewBus();
        using var reloads = new PageReloads(events);
        using var page = events.Subscribe(_ => true);
        var reads = 0;
        Task<int> Read(CancellationToken _) => Task.FromResult(Interlocked.Increment(ref reads));

        events.Publish(new BoardChanged("rpi-1"));
        var first = page.TakeQueued();
        var afterFirst = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => reloads.ReadAsync("boards", first.Version, Read)));
        events.Publish(new BoardChanged("rpi-1"));
        var second = page.TakeQueued();
        var stillAfterFirst = await reloads.ReadAsync("boards", first.Version, Read);
        var afterSecond = await reloads.ReadAsync("boards", second.Version, Read);

        Assert.All(afterFirst, value => Assert.Equal(1, value));
        Assert.Equal(1, stillAfterFirst);
        Assert.Equal(2, afterSecond);
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task ReadsWithDifferentKeysAreNotShared()
    {
        using var reloads = new PageReloads(LabEventLog.NewBus());

        Assert.Equal("rpi-1", await reloads.ReadAsync("board:rpi-1", 0, _ => Task.FromResult("rpi-1")));
        Assert.Equal("rpi-2", await reloads.ReadAsync("board:rpi-2", 0, _ => Task.FromResult("rpi-2")));
    }

    [Fact]
    public async Task AFailedReadIsNotSharedWithTheNextPage()
    {
        using var reloads = new PageReloads(LabEventLog.NewBus());

        await Assert.ThrowsAsync<InvalidOperationException>(() => reloads.ReadAsync<int>("boards", 0, _ => throw new InvalidOperationException("database gone")));
        Assert.Equal(7, await reloads.ReadAsync("boards", 0, _ => Task.FromResult(7)));
    }

    [Fact]
    public async Task NoMoreThanOnePagePerCoreReloadsAtOnce()
    {
        using var reloads = new PageReloads(LabEventLog.NewBus());
        var (running, most) = (0, 0);
        var release = new TaskCompletionSource();

        var pages = Enumerable.Range(0, 50).Select(_ => reloads.RunAsync(async () =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await release.Task;
            Interlocked.Decrement(ref running);
        }, CancellationToken.None)).ToList();
        await Task.Delay(100);
        var waiting = pages.Count(p => !p.IsCompleted);
        release.SetResult();
        await Task.WhenAll(pages);

        Assert.Equal(PageReloads.Slots, most);
        Assert.Equal(50, waiting);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
