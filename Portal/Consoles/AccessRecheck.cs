namespace Portal.Consoles;

/// <summary>
/// Re-decides an open session's right once as it starts and then whenever a reservation of its board, the access rules
/// or its user's account (roles, groups, disabled) change, and ends the session with the reason once the right is gone.
/// Each decision is made for the user as the database has them then: an admin demoted since the session opened is no
/// longer one. It listens on its own event subscription, so the publisher never waits for the re-decision.
/// </summary>
public sealed class AccessRecheck : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly LabEventSubscription _subscription;
    private readonly Task _loop;

    /// <param name="actor">Who opened the session.</param>
    /// <param name="closingReason">Null while the session may stay open for the user as they are now, else why it closes.</param>
    /// <param name="close">Ends the session; called at most once.</param>
    public AccessRecheck(LabEvents events, ActorResolver actors, Actor actor, string board, Func<Actor, CancellationToken, Task<string?>> closingReason, Func<string, Task> close)
    {
        _subscription = events.Subscribe(e => e switch
        {
            RulesChanged => true,
            UsersChanged changed => changed.UserId is null || changed.UserId == actor.UserId,
            ReservationChanged changed => string.Equals(changed.Board, board, StringComparison.OrdinalIgnoreCase),
            _ => false,
        });
        _loop = Task.Run(async () =>
        {
            try
            {
                // First without an event: the caller decided before connecting (a tunnel's TCP connect may take
                // seconds), and what changed before this subscription sent it nothing.
                do
                {
                    if (await closingReason(await actors.CurrentAsync(actor, _stop.Token), _stop.Token) is { } reason)
                    {
                        await close(reason);
                        return;
                    }
                }
                while (await _subscription.NextBatchAsync(_stop.Token) is not null);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // The session ended first.
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
