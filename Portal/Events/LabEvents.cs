namespace Portal.Events;

/// <summary>Something changed in the lab that open pages should show at once.</summary>
public abstract record LabEvent;

/// <summary>A board's state (free, reserved, attention...) changed.</summary>
public sealed record BoardChanged(string Board) : LabEvent;

/// <summary>A reservation was granted, extended or ended. <paramref name="FromQueue"/> marks a grant to a waiting request.</summary>
public sealed record ReservationChanged(int ReservationId, string Board, string UserId, string State, bool FromQueue = false) : LabEvent;

/// <summary>The queue of a class changed: an entry joined, left, was granted or moved.</summary>
public sealed record QueueChanged(string BoardClass) : LabEvent;

/// <summary>An access rule was added, changed or removed: every open page re-decides what its user may do.</summary>
public sealed record RulesChanged : LabEvent;

/// <summary>
/// A user's roles, groups or account changed (or a group went, <paramref name="UserId"/> null): open consoles and
/// terminals decide again what their user may do, as for <see cref="RulesChanged"/>.
/// </summary>
public sealed record UsersChanged(string? UserId) : LabEvent;

/// <summary>A board's power was switched (or found in a new state).</summary>
public sealed record PowerChanged(string Board, string State) : LabEvent;

/// <summary>A sandbox container moved to a new status (INIT, READY, TERMINATING, TERMINATED, FAILED).</summary>
public sealed record SandboxChanged(string Board, int ReservationId, int SandboxId, string Status) : LabEvent;

/// <summary>
/// The portal's one notifier for live updates (as eShop's order-status notifier): components subscribe,
/// re-render on events, and dispose the subscription when they go away.
/// </summary>
public sealed class LabEvents(ILogger<LabEvents> logger)
{
    private readonly Lock _gate = new();
    private Func<LabEvent, Task>[] _handlers = [];

    public IDisposable Subscribe(Func<LabEvent, Task> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }

        return new Subscription(this, handler);
    }

    public async Task PublishAsync(LabEvent labEvent)
    {
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                await handler(labEvent);
            }
            catch (Exception ex)
            {
                // One broken page must not stop the others from hearing about the change.
                logger.LogWarning(ex, "A subscriber failed to handle {Event}", labEvent);
            }
        }
    }

    private void Unsubscribe(Func<LabEvent, Task> handler)
    {
        lock (_gate)
        {
            _handlers = _handlers.Where(h => h != handler).ToArray();
        }
    }

    private sealed class Subscription(LabEvents owner, Func<LabEvent, Task> handler) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(handler);
    }
}
