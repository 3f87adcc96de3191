using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Hardware.Containers;
using Portal.Reservations;

namespace Portal.Sandboxes;

/// <summary>
/// Keeps the engine in line with the database: reconciles at start and every <see cref="SandboxOptions.ReconcileInterval"/>,
/// and follows the engine's events between (<see cref="SandboxTeardown"/> stops the sandboxes of ended reservations).
/// </summary>
internal sealed class SandboxReconciler(
    SandboxService sandboxes,
    IContainerProvider engine,
    IOptionsMonitor<SandboxOptions> options,
    TimeProvider clock,
    Cluster.ILeadership leadership,
    ILogger<SandboxReconciler> logger) : BackgroundService
{
    // One instance among those sharing the database runs it; another takes over when that one goes.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leadership.LeadAsync("sandbox-reconciler", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
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
    }
}
