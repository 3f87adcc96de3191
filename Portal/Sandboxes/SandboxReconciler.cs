using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Hardware.Containers;
using Portal.Reservations;

namespace Portal.Sandboxes;

/// <summary>
/// Keeps the engine in line with the database: reconciles at start and every <see cref="SandboxOptions.ReconcileInterval"/>,
/// follows the engine's events between, and tears sandboxes down when their reservation ends.
/// </summary>
internal sealed class SandboxReconciler(
    SandboxService sandboxes,
    IContainerProvider engine,
    LabEvents events,
    IOptionsMonitor<SandboxOptions> options,
    TimeProvider clock,
    ILogger<SandboxReconciler> logger) : BackgroundService
{
    private readonly Channel<int> _endedReservations = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The release itself does not wait for a container to stop: teardown happens here, in order.
        using var subscription = events.Subscribe(labEvent =>
        {
            if (labEvent is ReservationChanged { State: not nameof(ReservationState.Active) } ended)
            {
                _endedReservations.Writer.TryWrite(ended.ReservationId);
            }

            return Task.CompletedTask;
        });
        var teardown = TearDownEndedAsync(stoppingToken);

        string? engineProblem = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await sandboxes.ReconcileAsync(stoppingToken);
                if (engineProblem is not null)
                {
                    logger.LogInformation("Sandboxes: {Endpoint} answers again", engine.Endpoint);
                    engineProblem = null;
                }

                using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                window.CancelAfter(options.CurrentValue.ReconcileInterval);
                await engine.WatchAsync(sandboxes.OwnerFilter, sandboxes.OnContainerEventAsync, window.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The watch window closed: reconcile again, in case an event was missed.
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ContainerEngineException ex)
            {
                if (ex.Message != engineProblem)
                {
                    logger.LogWarning("Sandboxes: {Problem}; retrying every {Interval}", ex.Message, options.CurrentValue.ReconcileInterval);
                    engineProblem = ex.Message;
                }

                try
                {
                    await Task.Delay(options.CurrentValue.ReconcileInterval, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        _endedReservations.Writer.TryComplete();
        await teardown;
    }

    private async Task TearDownEndedAsync(CancellationToken stoppingToken)
    {
        await foreach (var reservationId in _endedReservations.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                await sandboxes.TerminateForReservationAsync(reservationId, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The sandbox stays TERMINATING or live; the next reconcile finishes the job.
                logger.LogWarning(ex, "Tearing down the sandbox of reservation {Reservation} failed; the reconciler retries", reservationId);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
