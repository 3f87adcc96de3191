using Portal.Data;

namespace Portal.Sandboxes;

/// <summary>
/// Stops the sandbox of a reservation that ended, in the background after the end committed: the release itself does
/// not wait for a container to stop. A teardown that fails is finished by the reconciler's next pass.
/// </summary>
internal sealed class SandboxTeardown(SandboxService sandboxes, ILogger<SandboxTeardown> logger) : ILabEventHandler<ReservationChanged>
{
    public bool Takes(ReservationChanged changed) => !changed.State.IsHeld();

    public async Task HandleAsync(ReservationChanged changed, CancellationToken cancellationToken)
    {
        try
        {
            await sandboxes.TerminateForReservationAsync(changed.ReservationId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // The sandbox stays TERMINATING or live; the next reconcile finishes the job.
            logger.LogWarning(ex, "Tearing down the sandbox of reservation {Reservation} failed; the reconciler retries", changed.ReservationId);
        }
    }
}
