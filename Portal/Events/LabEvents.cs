namespace Portal.Events;

/// <summary>
/// The portal's one notifier of lab events. <see cref="Publish"/> is called after the change committed and never
/// waits: domain reactions (<see cref="ILabEventHandler{TEvent}"/>) get the event on their own background queue, and
/// each open page on its own bounded <see cref="LabEventSubscription"/>, so neither a slow handler nor a slow or dead
/// circuit costs the publisher anything.
/// </summary>
/// <remarks>With other instances on the same database, <paramref name="relay"/> sends every event to them, and their
/// events arrive through <see cref="DeliverFromElsewhere"/>.</remarks>
public sealed class LabEvents(LabEventHandlers handlers, ILogger<LabEvents> logger, ILabEventRelay? relay = null)
{
    /// <summary>How many events a page may fall behind before it is told to reload everything.</summary>
    public const int PageQueueCapacity = 64;

    private readonly Lock _gate = new();
    private LabEventSubscription[] _pages = [];
    private ILabEventCache[] _caches = [];
    private long _version;

    /// <summary>How many events have been published: a read made at one version has seen every change published before it.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Publish(LabEvent labEvent)
    {
        Deliver(labEvent, fromElsewhere: false);
        relay?.Send(labEvent);
    }

    /// <summary>An event another instance published: for the pages here, and for the handlers that act for the whole cluster.</summary>
    public void DeliverFromElsewhere(LabEvent labEvent) => Deliver(labEvent, fromElsewhere: true);

    private void Deliver(LabEvent labEvent, bool fromElsewhere)
    {
        // Caches first: a handler or page that reads after hearing of the change must not be given what it replaced.
        foreach (var cache in Volatile.Read(ref _caches))
        {
            cache.Offer(labEvent);
        }

        var version = Interlocked.Increment(ref _version);
        handlers.Enqueue(labEvent, fromElsewhere);
        foreach (var page in Volatile.Read(ref _pages))
        {
            try
            {
                page.Offer(labEvent, version);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A filter that throws must not keep the event from the others; the page gets it and reloads.
                logger.LogWarning(ex, "A page's event filter failed on {Event}", labEvent);
                page.Force(labEvent, version);
            }
        }
    }

    /// <summary>
    /// A page's subscription: <paramref name="concerns"/> runs on the publisher's thread for every event, so it must be
    /// quick and touch no database; it picks what the page shows (a board, a user, the whole lab).
    /// </summary>
    public LabEventSubscription Subscribe(Func<LabEvent, bool> concerns, int capacity = PageQueueCapacity)
    {
        var subscription = new LabEventSubscription(this, concerns, capacity);
        lock (_gate)
        {
            _pages = [.. _pages, subscription];
        }

        return subscription;
    }

    /// <summary>A cache that lives as long as this notifier (its owner is a singleton service).</summary>
    internal void Watch(ILabEventCache cache)
    {
        lock (_gate)
        {
            _caches = [.. _caches, cache];
        }
    }

    /// <summary>How many pages are subscribed now.</summary>
    public int PageCount => Volatile.Read(ref _pages).Length;

    internal void Unsubscribe(LabEventSubscription subscription)
    {
        lock (_gate)
        {
            _pages = _pages.Where(p => p != subscription).ToArray();
        }
    }
}
