using Portal.Events;
using Portal.Tests.Support;

namespace Portal.Tests.Events;

public sealed class LabEventCacheTests
{
    private readonly LabEvents _events = LabEventLog.NewBus();
    private int _reads;

    [Fact]
    public async Task AValueIsReadOnceAndAgainAfterAnEventThatChangesIt()
    {
        var cache = new LabEventCache<string, string>(_events, e => e is RulesChanged, capacity: 10);

        Assert.Equal("read 1", await cache.GetOrReadAsync("rules", ReadAsync, CancellationToken.None));
        Assert.Equal("read 1", await cache.GetOrReadAsync("rules", ReadAsync, CancellationToken.None));
        _events.Publish(new BoardChanged("rpi-1"));
        Assert.Equal("read 1", await cache.GetOrReadAsync("rules", ReadAsync, CancellationToken.None));
        _events.Publish(new RulesChanged());
        Assert.Equal("read 2", await cache.GetOrReadAsync("rules", ReadAsync, CancellationToken.None));
        // From another instance as from this one.
        _events.DeliverFromElsewhere(new RulesChanged());
        Assert.Equal("read 3", await cache.GetOrReadAsync("rules", ReadAsync, CancellationToken.None));
    }

    [Fact]
    public async Task AReadDuringWhichTheValueChangedIsNotKept()
    {
        var cache = new LabEventCache<string, string>(_events, e => e is RulesChanged, capacity: 10);

        // The change commits and is published while the read runs: what the read got may predate it.
        Assert.Equal("read 1", await cache.GetOrReadAsync("rules", async ct => { var value = await ReadAsync(ct); _events.Publish(new RulesChanged()); return value; }, CancellationToken.None));

        Assert.Equal("read 2", await cache.GetOrReadAsync("rules", ReadAsync, CancellationToken.None));
        Assert.Equal("read 2", await cache.GetOrReadAsync("rules", ReadAsync, CancellationToken.None));
    }

    [Fact]
    public async Task NothingIsKeptOfAReadThatFoundNothingAndAFullCacheStartsOver()
    {
        var cache = new LabEventCache<string, string>(_events, e => e is RulesChanged, capacity: 2);

        Assert.Null(await cache.GetOrReadAsync("unknown", _ => Task.FromResult<string?>(null), CancellationToken.None));
        Assert.Equal("read 1", await cache.GetOrReadAsync("unknown", ReadAsync, CancellationToken.None));
        Assert.Equal("read 2", await cache.GetOrReadAsync("b", ReadAsync, CancellationToken.None));
        Assert.Equal("read 3", await cache.GetOrReadAsync("c", ReadAsync, CancellationToken.None));

        Assert.Equal("read 3", await cache.GetOrReadAsync("c", ReadAsync, CancellationToken.None));
        Assert.Equal("read 4", await cache.GetOrReadAsync("unknown", ReadAsync, CancellationToken.None));
    }

    private Task<string?> ReadAsync(CancellationToken cancellationToken) => Task.FromResult<string?>($"read {++_reads}");
}
