using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Reservations;

namespace Portal.Webhooks;

/// <summary>Turns the lab's events into webhook deliveries, after they committed, off the request that caused them; a board's health change among its changes.</summary>
internal sealed class WebhookTriggers(WebhookService webhooks, IDbContextFactory<ApplicationDbContext> dbFactory, TimeProvider clock)
    : ILabEventHandler<ReservationChanged>, ILabEventHandler<SandboxChanged>, ILabEventHandler<BoardChanged>, IHostedService
{
    // Each board's health as last seen, to tell a change of health from the board's other changes; read from the
    // database at start (before the lab events are handled), so a change made while the portal was down is not announced.
    private readonly Dictionary<string, string> _health = new(StringComparer.OrdinalIgnoreCase);
    private readonly TaskCompletionSource _known = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Read after every board change; compiled once per instance (a compiled query serves one model, and a process may
    // host several portals, as the tests do).
    private readonly Func<ApplicationDbContext, string?, IAsyncEnumerable<HealthRow>> _healthOf = EF.CompileAsyncQuery(
        (ApplicationDbContext db, string? board) => db.Boards.AsNoTracking()
            .Where(b => b.RetiredAt == null && (board == null || b.Name == board))
            .Select(b => new HealthRow(b.Name, b.Health, b.Condition, b.HealthNote, b.OfflineReason)));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var board in await HealthOfAsync(null, cancellationToken))
            {
                _health[board.Name] = board.Health;
            }
        }
        finally
        {
            _known.TrySetResult();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public bool Takes(ReservationChanged labEvent) => labEvent is { FromQueue: true, Granted: true };

    public async Task HandleAsync(ReservationChanged labEvent, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var reservation = await db.Reservations.AsNoTracking().Where(r => r.Id == labEvent.ReservationId)
            .Select(r => new { r.Id, Board = r.Board.Name, User = r.User!.Email, r.ExpiresAt })
            .SingleAsync(cancellationToken);
        await webhooks.EnqueueAsync(WebhookEvents.QueueGranted, $"queue-granted:{reservation.Id}", reservation, cancellationToken);
    }

    public async Task HandleAsync(BoardChanged labEvent, CancellationToken cancellationToken)
    {
        await _known.Task.WaitAsync(cancellationToken);
        foreach (var board in await HealthOfAsync(labEvent.Board, cancellationToken))
        {
            var was = _health.GetValueOrDefault(board.Name);
            _health[board.Name] = board.Health;
            if (was is not null && was != board.Health)
            {
                var data = new { board = board.Name, health = board.Health, was, reason = board.Reason };
                await webhooks.EnqueueAsync(WebhookEvents.BoardHealthChanged, $"board-health:{board.Name}:{clock.GetUtcNow().UtcDateTime.Ticks}", data, cancellationToken);
            }
        }
    }

    /// <summary>A board's health as webhooks name it: offline when its hardware does not answer, else good, bad, maintenance or unknown.</summary>
    private async Task<List<(string Name, string Health, string? Reason)>> HealthOfAsync(string? board, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var boards = new List<(string Name, string Health, string? Reason)>();
        await foreach (var b in _healthOf(db, board).WithCancellation(cancellationToken))
        {
            boards.Add(b.Condition == BoardCondition.Offline
                ? (b.Name, "offline", b.OfflineReason)
                : (b.Name, b.Health.ToString().ToLowerInvariant(), b.HealthNote));
        }

        return boards;
    }

    private sealed record HealthRow(string Name, BoardHealth Health, BoardCondition Condition, string? HealthNote, string? OfflineReason);

    public bool Takes(SandboxChanged labEvent) => labEvent.Status == SandboxStatus.Failed;

    public async Task HandleAsync(SandboxChanged labEvent, CancellationToken cancellationToken)
    {
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
    Cluster.ILeadership leadership,
    ILogger<LeaseEndingWebhooks> logger) : BackgroundService
{
    public static readonly TimeSpan Warning = TimeSpan.FromMinutes(10);

    // One instance among those sharing the database runs it; another takes over when that one goes.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leadership.LeadAsync("lease-ending-webhooks", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
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
        services.AddLabEventHandler<BoardChanged, WebhookTriggers>();
        services.AddHostedService(services => services.GetRequiredService<WebhookTriggers>());
        services.AddHostedService<LeaseEndingWebhooks>();
        return services;
    }
}
