using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Audit;
using Portal.Data;

namespace Portal.Webhooks;

public sealed record WebhookView(int Id, string Url, WebhookEvents Events, bool Enabled, DateTime CreatedAt, string CreatedBy);

public sealed record WebhookDeliveryView(int Id, string Url, string Event, WebhookDeliveryState State, int Attempts, DateTime CreatedAt, DateTime NextAttemptAt, DateTime? DeliveredAt, string? LastResult);

/// <summary>
/// Admins' webhooks, and the queue of deliveries to them: an event becomes one pending delivery per subscribed webhook,
/// committed before anything is sent, so a restart sends what was left. <see cref="WebhookSender"/> sends them.
/// </summary>
public sealed class WebhookService(IDbContextFactory<ApplicationDbContext> dbFactory, AuditLog audit, WebhookSender sender, TimeProvider clock, ILogger<WebhookService> logger)
{
    public const int MaxUrlLength = 2000;
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 200;

    private const string AdminsOnly = "Only admins manage webhooks.";

    /// <summary>The names of the events in bodies and headers.</summary>
    public static string NameOf(WebhookEvents single) => single switch
    {
        WebhookEvents.QueueGranted => "queue.granted",
        WebhookEvents.LeaseEnding => "lease.ending",
        WebhookEvents.SandboxFailed => "sandbox.failed",
        WebhookEvents.BoardHealthChanged => "board.health",
        _ => throw new ArgumentOutOfRangeException(nameof(single), single, "not a single webhook event"),
    };

    public async Task<IReadOnlyList<WebhookView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Webhooks.AsNoTracking().OrderBy(w => w.Id)
            .Select(w => new WebhookView(w.Id, w.Url, w.Events, w.Enabled, w.CreatedAt, w.CreatedBy))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Adds a webhook; null, or the one sentence saying what is wrong.</summary>
    public async Task<string?> AddAsync(Actor actor, string url, string secret, WebhookEvents events, CancellationToken cancellationToken)
    {
        if (!actor.IsAdmin)
        {
            return AdminsOnly;
        }

        if (Invalid(url, secret, events) is { } error)
        {
            return error;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Webhooks.Add(new Webhook { Url = url.Trim(), Secret = secret, Events = events, CreatedAt = clock.GetUtcNow().UtcDateTime, CreatedBy = actor.Email });
        audit.Add(db, actor.Email, "webhook.add", null, null, $"{url.Trim()} ({events})");
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Webhook {Url} for {Events} added by {Actor}", url.Trim(), events, actor.Email);
        return null;
    }

    public async Task<string?> SetEnabledAsync(Actor actor, int id, bool enabled, CancellationToken cancellationToken) =>
        await ChangeAsync(actor, id, enabled ? "webhook.enable" : "webhook.disable", (_, hook) => hook.Enabled = enabled, cancellationToken);

    public async Task<string?> RemoveAsync(Actor actor, int id, CancellationToken cancellationToken) =>
        await ChangeAsync(actor, id, "webhook.remove", (db, hook) => db.Webhooks.Remove(hook), cancellationToken);

    /// <summary>Queues a <c>ping</c> to one webhook, whatever it subscribes to: how an admin checks the receiver and the secret.</summary>
    public async Task<string?> PingAsync(Actor actor, int id, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var error = await ChangeAsync(actor, id, "webhook.ping", (db, hook) => db.WebhookDeliveries.Add(NewDelivery(hook.Id, "ping", $"ping:{now.Ticks}", new { sentBy = actor.Email }, now)), cancellationToken);
        if (error is null)
        {
            sender.Wake();
        }

        return error;
    }

    /// <summary>The newest deliveries, for the log on the admin page.</summary>
    public async Task<IReadOnlyList<WebhookDeliveryView>> DeliveriesAsync(int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.WebhookDeliveries.AsNoTracking().OrderByDescending(d => d.Id).Take(take)
            .Select(d => new WebhookDeliveryView(d.Id, d.Webhook.Url, d.Event, d.State, d.Attempts, d.CreatedAt, d.NextAttemptAt, d.DeliveredAt, d.LastResult))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Queues <paramref name="single"/> for every enabled webhook that subscribes to it, once per
    /// <paramref name="occurrence"/>: an occurrence already queued for a webhook is not queued again.
    /// </summary>
    public async Task EnqueueAsync(WebhookEvents single, string occurrence, object data, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var hooks = await db.Webhooks.AsNoTracking().Where(w => w.Enabled && (w.Events & single) != 0).Select(w => w.Id).ToListAsync(cancellationToken);
        var known = await db.WebhookDeliveries.AsNoTracking().Where(d => hooks.Contains(d.WebhookId) && d.Occurrence == occurrence).Select(d => d.WebhookId).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var hook in hooks.Except(known))
        {
            db.WebhookDeliveries.Add(NewDelivery(hook, NameOf(single), occurrence, data, now));
        }

        if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(cancellationToken);
            sender.Wake();
        }
    }

    private static WebhookDelivery NewDelivery(int webhookId, string name, string occurrence, object data, DateTime now) => new()
    {
        WebhookId = webhookId,
        Event = name,
        Occurrence = occurrence,
        Payload = JsonSerializer.Serialize(new { @event = name, occurredAt = now, data }, JsonSerializerOptions.Web),
        State = WebhookDeliveryState.Pending,
        CreatedAt = now,
        NextAttemptAt = now,
    };

    private async Task<string?> ChangeAsync(Actor actor, int id, string action, Action<ApplicationDbContext, Webhook> change, CancellationToken cancellationToken)
    {
        if (!actor.IsAdmin)
        {
            return AdminsOnly;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Webhooks.SingleOrDefaultAsync(w => w.Id == id, cancellationToken) is not { } hook)
        {
            return $"There is no webhook {id}.";
        }

        change(db, hook);
        audit.Add(db, actor.Email, action, null, null, hook.Url);
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    private static string? Invalid(string url, string secret, WebhookEvents events)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "The URL must be an absolute http:// or https:// address.";
        }

        if (url.Trim().Length > MaxUrlLength)
        {
            return $"The URL must be at most {MaxUrlLength} characters.";
        }

        if (secret is null || secret.Length < MinSecretLength || secret.Length > MaxSecretLength)
        {
            return $"The secret must be {MinSecretLength} to {MaxSecretLength} characters, so that signatures cannot be guessed.";
        }

        var known = Enum.GetValues<WebhookEvents>().Aggregate(WebhookEvents.None, (all, one) => all | one);
        return events == WebhookEvents.None || (events & ~known) != 0 ? "Pick at least one event to send." : null;
    }
}
