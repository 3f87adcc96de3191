using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Observability;

/// <summary>Counts grants and ends from the reservation events, after they committed, and how long queued grants waited.</summary>
public sealed class ReservationMetrics(PortalMetrics metrics, IDbContextFactory<ApplicationDbContext> dbFactory) : ILabEventHandler<ReservationChanged>
{
    public async Task HandleAsync(ReservationChanged labEvent, CancellationToken cancellationToken)
    {
        if (labEvent.Granted)
        {
            metrics.ReservationGranted(labEvent.FromQueue);
            if (labEvent.FromQueue)
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var waited = await db.Queue.Where(q => q.ReservationId == labEvent.ReservationId)
                    .Join(db.Reservations, q => q.ReservationId, r => r.Id, (q, r) => new { q.CreatedAt, r.GrantedAt })
                    .SingleOrDefaultAsync(cancellationToken);
                if (waited is not null)
                {
                    metrics.QueueWaited(waited.GrantedAt - waited.CreatedAt);
                }
            }
        }
        else if (!labEvent.HealthCheck && labEvent.State is ReservationState.Released or ReservationState.Expired or ReservationState.Failed)
        {
            metrics.ReservationEnded(labEvent.State);
        }
    }
}
