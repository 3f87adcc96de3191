using System.Text.Json;
using Portal.Events;

namespace Portal.Cluster;

/// <summary>
/// The lab events between the portal instances: each event published here goes to the others as a notification, and
/// theirs are delivered here, so a reservation made on one instance shows live on the pages of every other.
/// </summary>
internal sealed class ClusterEventRelay(ClusterNotifications notifications, ClusterInstance instance) : ILabEventRelay
{
    public void Send(LabEvent labEvent) =>
        notifications.Send(ClusterNotifications.EventsChannel, JsonSerializer.Serialize(new RelayedEvent(instance.Id, labEvent)));

    /// <summary>Delivers to <paramref name="events"/> what the other instances publish.</summary>
    public void Receive(LabEvents events)
    {
        notifications.Subscribe<RelayedEvent>(ClusterNotifications.EventsChannel, relayed =>
        {
            if (relayed is { Event: { } labEvent } && relayed.Instance != instance.Id)
            {
                events.DeliverFromElsewhere(labEvent);
            }
        });

        // Events lost while this instance was not listening may have changed rights or accounts: what is kept from
        // them (the caches of tokens and rules, the pages' viewers and decisions) is read again.
        notifications.OnResumed(() =>
        {
            events.DeliverFromElsewhere(new UsersChanged(null));
            events.DeliverFromElsewhere(new RulesChanged());
        });
    }

    private sealed record RelayedEvent(string Instance, LabEvent Event);
}

/// <summary>Starts receiving the other instances' events before anything here publishes.</summary>
internal sealed class ClusterEventReceiver(ClusterEventRelay relay, LabEvents events) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        relay.Receive(events);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
