using System.Threading.Channels;

namespace Portal.Events;

/// <summary>
/// One page's own queue of the lab events it cares about. The publisher only ever offers (never waits): when the page
/// falls <see cref="LabEvents.PageQueueCapacity"/> events behind, the oldest are dropped and the next batch says
/// <see cref="LabEventBatch.Overflowed"/>, so the page reloads everything instead.
/// </summary>
public sealed class LabEventSubscription : IDisposable
{
    private readonly LabEvents _owner;
    private readonly Func<LabEvent, bool> _concerns;
    private readonly Channel<LabEvent> _queue;
    private int _overflowed;
    private long _version;

    internal LabEventSubscription(LabEvents owner, Func<LabEvent, bool> concerns, int capacity)
    {
        _owner = owner;
        _concerns = concerns;
        _queue = Channel.CreateBounded<LabEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Volatile.Write(ref _overflowed, 1));
    }

    /// <summary>Waits for at least one event, then takes all that queued meanwhile: a burst becomes one batch. Null once disposed.</summary>
    public async ValueTask<LabEventBatch?> NextBatchAsync(CancellationToken cancellationToken)
    {
        return await _queue.Reader.WaitToReadAsync(cancellationToken) ? TakeQueued() : null;
    }

    /// <summary>Takes whatever is queued now, without waiting (an empty batch when nothing is).</summary>
    public LabEventBatch TakeQueued()
    {
        var events = new List<LabEvent>();
        while (_queue.Reader.TryRead(out var labEvent))
        {
            events.Add(labEvent);
        }

        // Read after the events: every event taken was offered, with its version, before it could be read.
        return new LabEventBatch(events, Interlocked.Exchange(ref _overflowed, 0) == 1, Interlocked.Read(ref _version));
    }

    /// <summary>Called by the publisher with the event's <see cref="LabEvents.Version"/>: filters and queues, never blocks.</summary>
    internal bool Offer(LabEvent labEvent, long version)
    {
        if (!_concerns(labEvent))
        {
            return false;
        }

        Force(labEvent, version);
        return true;
    }

    /// <summary>Queues the event without asking the filter (used when the filter itself failed).</summary>
    internal void Force(LabEvent labEvent, long version)
    {
        // Publishers race: keep the highest version, which may arrive before a lower one.
        for (var seen = Interlocked.Read(ref _version);
             seen < version && Interlocked.CompareExchange(ref _version, version, seen) is var found && found != seen;
             seen = found)
        {
        }

        _queue.Writer.TryWrite(labEvent);
    }

    public void Dispose()
    {
        _owner.Unsubscribe(this);
        _queue.Writer.TryComplete();
    }
}

/// <summary>
/// Events a page received since it last looked; <see cref="Overflowed"/>: some were dropped, reload everything. A read
/// made at <see cref="Version"/> or later has seen every change these events announce.
/// </summary>
public sealed record LabEventBatch(IReadOnlyList<LabEvent> Events, bool Overflowed, long Version)
{
    /// <summary>Whether the page must reload what <typeparamref name="TEvent"/> events change (also after an overflow).</summary>
    public bool Has<TEvent>(Func<TEvent, bool>? where = null) where TEvent : LabEvent =>
        Overflowed || Events.OfType<TEvent>().Any(e => where?.Invoke(e) ?? true);
}
