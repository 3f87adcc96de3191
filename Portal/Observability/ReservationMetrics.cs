using Portal.Data;

namespace Portal.Observability;

/// <summary>Counts grants and ends from the reservation events, after they committed.</summary>
public sealed class ReservationMetrics(PortalMetrics metrics) : ILabEventHandler<ReservationChanged>
{
    public Task HandleAsync(ReservationChanged labEvent, CancellationToken cancellationToken)
    {
        if (labEvent.Granted)
        {
            metrics.ReservationGranted(labEvent.FromQueue);
        }
        else if (labEvent.State is ReservationState.Released or ReservationState.Expired or ReservationState.Failed)
        {
            metrics.ReservationEnded(labEvent.State);
        }

        return Task.CompletedTask;
    }
}
