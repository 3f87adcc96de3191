namespace Portal.Data;

/// <summary>What a webhook is told about; a webhook subscribes to any of them.</summary>
[Flags]
public enum WebhookEvents
{
    None = 0,

    /// <summary>A request that waited in a queue was granted a board.</summary>
    QueueGranted = 1,

    /// <summary>A lease ends in <see cref="Webhooks.LeaseEndingWebhooks.Warning"/>.</summary>
    LeaseEnding = 2,

    /// <summary>A sandbox container failed.</summary>
    SandboxFailed = 4,

    /// <summary>A board's health changed: good, bad, maintenance, unknown or offline.</summary>
    BoardHealthChanged = 8,
}

/// <summary>An admin's URL that the portal POSTs lab events to, each body signed with the shared secret.</summary>
public sealed class Webhook
{
    public int Id { get; set; }

    public required string Url { get; set; }

    /// <summary>The HMAC key; kept as given, since signing needs it, and never shown again after it is set.</summary>
    public required string Secret { get; set; }

    public WebhookEvents Events { get; set; }

    public bool Enabled { get; set; } = true;

    public DateTime CreatedAt { get; set; }

    public required string CreatedBy { get; set; }
}

public enum WebhookDeliveryState
{
    Pending,
    Delivered,

    /// <summary>Every attempt failed; nothing is tried again.</summary>
    Failed,
}

/// <summary>One event for one webhook: its body and how sending it went, kept as the delivery log.</summary>
public sealed class WebhookDelivery
{
    public int Id { get; set; }

    public int WebhookId { get; set; }

    public Webhook Webhook { get; set; } = null!;

    /// <summary>The event's name in the body and the <c>X-Portal-Event</c> header, e.g. <c>queue.granted</c>.</summary>
    public required string Event { get; set; }

    /// <summary>Names the occurrence, so that one noticed twice (after a restart, say) is sent once.</summary>
    public required string Occurrence { get; set; }

    public required string Payload { get; set; }

    public WebhookDeliveryState State { get; set; }

    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime NextAttemptAt { get; set; }

    public DateTime? DeliveredAt { get; set; }

    /// <summary>The last attempt's outcome in one line: the receiver's status code or why nothing was received.</summary>
    public string? LastResult { get; set; }
}
