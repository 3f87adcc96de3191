using Microsoft.Extensions.Options;

namespace Portal.Reservations;

/// <summary>
/// Releases leases that ran out, even with no page open. Its first pass runs at start, so leases that expired
/// while the portal was down are released (with their teardown) and waiting requests are served.
/// </summary>
internal sealed class ReservationClock(ReservationService reservations, IOptions<ReservationOptions> options, TimeProvider clock, ILogger<ReservationClock> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RunPassAsync(serveQueues: true, stoppingToken);
        using var timer = new PeriodicTimer(options.Value.ExpiryCheckInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RunPassAsync(serveQueues: false, stoppingToken);
        }
    }

    private async Task RunPassAsync(bool serveQueues, CancellationToken stoppingToken)
    {
        try
        {
            var expired = await reservations.ExpireDueAsync(stoppingToken);
            if (expired > 0)
            {
                logger.LogInformation("{Count} reservations expired", expired);
            }

            if (serveQueues)
            {
                await reservations.GrantFromAllQueuesAsync(stoppingToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next tick tries again; the clock must not die with one bad pass.
            logger.LogError(ex, "Releasing expired reservations failed");
        }
    }
}
