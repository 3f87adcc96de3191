using System.Collections.Concurrent;

namespace Portal.Events;

/// <summary>Something <see cref="LabEvents"/> tells of every event before anyone else hears of it.</summary>
internal interface ILabEventCache
{
    /// <summary>Runs on the publisher's thread: quick, no I/O.</summary>
    void Offer(LabEvent labEvent);
}

/// <summary>
/// Values read from the database and kept in memory until a lab event says they may have changed. The events that
/// <c>changedBy</c> picks empty it on the publisher's thread, before <see cref="LabEvents.Publish"/> returns (and as
/// they arrive from the other instances), so the first request after a change reads it afresh. A value whose read
/// overlapped such an event is not kept: it may predate the change.
/// </summary>
/// <remarks>For data that changes rarely and only where an event is published (rules, accounts, tokens).</remarks>
public sealed class LabEventCache<TKey, TValue> : ILabEventCache
    where TKey : notnull
    where TValue : class
{
    private readonly ConcurrentDictionary<TKey, TValue> _values = new();
    private readonly Lock _gate = new();
    private readonly Func<LabEvent, bool> _changedBy;
    private readonly int _capacity;
    private long _generation;

    public LabEventCache(LabEvents events, Func<LabEvent, bool> changedBy, int capacity)
    {
        _changedBy = changedBy;
        _capacity = capacity;
        events.Watch(this);
    }

    /// <summary>The kept value, or the one <paramref name="read"/> gives (kept unless null).</summary>
    public async Task<TValue?> GetOrReadAsync(TKey key, Func<CancellationToken, Task<TValue?>> read, CancellationToken cancellationToken)
    {
        if (_values.TryGetValue(key, out var kept))
        {
            return kept;
        }

        var generation = Volatile.Read(ref _generation);
        var value = await read(cancellationToken);
        if (value is not null)
        {
            lock (_gate)
            {
                if (_generation == generation)
                {
                    // Full only when something asks for far more keys than a lab has; starting over bounds the memory.
                    if (_values.Count >= _capacity)
                    {
                        _values.Clear();
                    }

                    _values[key] = value;
                }
            }
        }

        return value;
    }

    void ILabEventCache.Offer(LabEvent labEvent)
    {
        if (!_changedBy(labEvent))
        {
            return;
        }

        lock (_gate)
        {
            _generation++;
            _values.Clear();
        }
    }
}
