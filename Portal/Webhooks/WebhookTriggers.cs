using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Reservations;

namespace Portal.Webhooks;

/// <summary>Turns the lab's events into webhook deliveries, after they committed, off the request that caused them.</summary>
internal sealed class WebhookTriggers(WebhookService webhooks, IDbContextFactory<ApplicationDbContext> dbFactory)
    : ILabEventHandler<ReservationChanged>, ILabEventHandler<SandboxChanged>
{
    public async Task HandleAsync(ReservationChanged labEvent, CancellationToken cancellationToken)
    {
        if (labEvent is not { FromQueue: true, Granted: true })
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var reservation = await db.Reservations.AsNoTracking().Where(r => r.Id == labEvent.ReservationId)
            .Select(r => new { r.Id, Board = r.Board.Name, User = r.User!.Email, r.ExpiresAt })
            .SingleAsync(cancellationToken);
        await webhooks.EnqueueAsync(WebhookEvents.QueueGranted, $"queue-granted:{reservation.Id}", reservation, cancellationToken);
    }

    public async Task HandleAsync(SandboxChanged labEvent, CancellationToken cancellationToken)
    {
        if (labEvent.Status != SandboxStatus.Failed)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var sandbox = await db.Sandboxes.AsNoTracking().Where(s => s.Id == labEvent.SandboxId)
            .Select(s => new { s.Id, Board = labEvent.Board, s.ReservationId, User = s.Reservation.User!.Email, s.Image, s.Reason })
            .SingleAsync(cancellationToken);
        await webhooks.EnqueueAsync(WebhookEvents.SandboxFailed, $"sandbox-failed:{sandbox.Id}", sandbox, cancellationToken);
    }
}

/// <summary>
/// Queues <c>lease.ending</c> for every held lease that ends within <see cref="Warning"/>, once per lease end (an
/// extension moves the end, and the warning comes again before the new one). It looks every
/// <see cref="WebhookOptions.LeaseScanInterval"/>, so the warning comes at most that much later than 10 minutes before the end.
/// </summary>
internal sealed class LeaseEndingWebhooks(
    WebhookService webhooks,
    IDbContextFactory<ApplicationDbContext> dbFactory,
    IOptionsMonitor<WebhookOptions> options,
    TimeProvider clock,
    ILogger<LeaseEndingWebhooks> logger) : BackgroundService
{
    public static readonly TimeSpan Warning = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ScanAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Looking for leases about to end failed; looking again in {Interval}", options.CurrentValue.LeaseScanInterval);
            }

            try
            {
                await Task.Delay(options.CurrentValue.LeaseScanInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task ScanAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var horizon = now + Warning;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Webhooks.AnyAsync(w => w.Enabled && (w.Events & WebhookEvents.LeaseEnding) != 0, cancellationToken))
        {
            return;
        }

        var ending = await db.Reservations.AsNoTracking()
            .Where(r => (r.State == ReservationState.Preparing || r.State == ReservationState.Active) && r.ExpiresAt > now && r.ExpiresAt <= horizon)
            .Select(r => new { r.Id, Board = r.Board.Name, User = r.User!.Email, r.ExpiresAt })
            .ToListAsync(cancellationToken);
        foreach (var reservation in ending)
        {
            await webhooks.EnqueueAsync(WebhookEvents.LeaseEnding, $"lease-ending:{reservation.Id}:{reservation.ExpiresAt.Ticks}", reservation, cancellationToken);
        }
    }
}

public static class WebhookServiceCollectionExtensions
{
    /// <summary>Admins' webhooks: the triggers on lab events, the lease-end watch and the sender.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(WebhookSender.HttpClientName)
            // A redirect is not an answer: it counts as a failed attempt instead of sending the body elsewhere.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton<WebhookSender>();
        services.AddHostedService(services => services.GetRequiredService<WebhookSender>());
        services.AddSingleton<WebhookService>();
        services.AddLabEventHandler<ReservationChanged, WebhookTriggers>();
        services.AddLabEventHandler<SandboxChanged, WebhookTriggers>();
        services.AddHostedService<LeaseEndingWebhooks>();
        return services;
    }
}
