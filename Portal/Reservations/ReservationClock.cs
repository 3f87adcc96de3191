using Microsoft.Extensions.Options;

namespace Portal.Reservations;

/// <summary>
/// Ends leases that ran out, even with no page open. It sleeps until the next lease runs out (at most
/// <see cref="ReservationOptions.ExpiryCheckInterval"/>), and never waits for a script: an expiry only moves the
/// reservation to releasing and leaves the teardown to <see cref="LifecycleWorker"/>. Its first pass, at start, resumes
/// setups and teardowns a crash interrupted, ends leases that ran out while the portal was down and serves the queues.
/// </summary>
internal sealed class ReservationClock(ReservationLifecycle lifecycle, IOptionsMonitor<ReservationOptions> options, TimeProvider clock, Cluster.ILeadership leadership, ILogger<ReservationClock> logger) : BackgroundService
{
    // A lease that could not be ended (the database busy, say) is tried again soon, but not in a tight loop.
    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(50);

    // One instance among those sharing the database runs it; another takes over when that one goes.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leadership.LeadAsync("reservation-clock", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // The first pass is database work that would otherwise run inside the host's start, before the portal listens.
        await Task.Yield();
        try
        {
            await lifecycle.ResumeAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Resuming interrupted setups and teardowns failed");
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.CurrentValue.ExpiryCheckInterval;
            try
            {
                var expired = await lifecycle.ExpireDueAsync(stoppingToken);
                if (expired > 0)
                {
                    logger.LogInformation("{Count} reservations expired", expired);
                }

                if (await lifecycle.NextExpiryAsync(stoppingToken) is { } next && next - clock.GetUtcNow().UtcDateTime < wait)
                {
                    wait = next - clock.GetUtcNow().UtcDateTime;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next pass tries again; the clock must not die with one bad pass.
                logger.LogError(ex, "Ending expired reservations failed");
            }

            try
            {
                await Task.Delay(wait > ShortestWait ? wait : ShortestWait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
