using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;

namespace Portal.Webhooks;

/// <summary>
/// Sends pending deliveries: a POST of the JSON body, signed as <c>X-Portal-Signature-256: sha256=HEX</c> (HMAC-SHA256
/// of the body with the webhook's secret, as GitHub signs), with <c>X-Portal-Event</c> and <c>X-Portal-Delivery</c>.
/// A 2xx answer delivers it; anything else is tried again after <see cref="WebhookOptions.RetryBase"/>, doubling up to
/// <see cref="WebhookOptions.RetryMax"/>, until <see cref="WebhookOptions.MaxAttempts"/>. Deliveries wait in the database,
/// so a restart goes on where it stopped.
/// </summary>
public sealed class WebhookSender(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    IHttpClientFactory httpClients,
    IOptionsMonitor<WebhookOptions> options,
    TimeProvider clock,
    Cluster.ILeadership leadership,
    ILogger<WebhookSender> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";

    // Deliveries sent in one pass; the rest follow in the next.
    private const int Batch = 20;

    // The longest sleep with nothing due: a delivery queued by another process sharing the database is seen by then.
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Tells the sender that a delivery was queued.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
    }

    // One instance among those sharing the database runs it; another takes over when that one goes.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leadership.LeadAsync("webhook-sender", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = IdleWait;
            try
            {
                wait = await SendDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Sending webhook deliveries failed; trying again in {Wait}", wait);
            }

            try
            {
                await _wake.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Sends what is due and says how long until the next delivery is.</summary>
    private async Task<TimeSpan> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var due = await db.WebhookDeliveries.Include(d => d.Webhook)
            .Where(d => d.State == WebhookDeliveryState.Pending && d.NextAttemptAt <= now)
            .OrderBy(d => d.NextAttemptAt).Take(Batch)
            .ToListAsync(cancellationToken);
        await Task.WhenAll(due.Select(delivery => SendAsync(delivery, cancellationToken)));
        await db.SaveChangesAsync(cancellationToken);
        await TrimLogAsync(db, cancellationToken);

        if (due.Count == Batch)
        {
            return TimeSpan.Zero;
        }

        var next = await db.WebhookDeliveries.Where(d => d.State == WebhookDeliveryState.Pending).MinAsync(d => (DateTime?)d.NextAttemptAt, cancellationToken);
        var untilNext = next is null ? IdleWait : next.Value - clock.GetUtcNow().UtcDateTime;
        return untilNext < TimeSpan.Zero ? TimeSpan.Zero : untilNext < IdleWait ? untilNext : IdleWait;
    }

    private async Task SendAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        delivery.Attempts++;
        string result;
        var delivered = false;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Webhook.Url)
            {
                Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Portal-Event", delivery.Event);
            request.Headers.Add("X-Portal-Delivery", delivery.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("X-Portal-Signature-256", Signature(delivery.Webhook.Secret, delivery.Payload));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Portal-Webhooks", "1"));
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(settings.Timeout);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            delivered = response.IsSuccessStatusCode;
            result = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = $"no answer within {settings.Timeout.TotalSeconds:0.#} s";
        }
        catch (HttpRequestException ex)
        {
            result = ex.Message;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        delivery.LastResult = result.Length > 500 ? result[..500] : result;
        if (delivered)
        {
            (delivery.State, delivery.DeliveredAt) = (WebhookDeliveryState.Delivered, now);
            logger.LogInformation("Webhook delivery {Delivery} ({Event}) to {Url} delivered on attempt {Attempt}", delivery.Id, delivery.Event, delivery.Webhook.Url, delivery.Attempts);
        }
        else if (delivery.Attempts >= settings.MaxAttempts)
        {
            delivery.State = WebhookDeliveryState.Failed;
            logger.LogWarning("Webhook delivery {Delivery} ({Event}) to {Url} failed for good after {Attempts} attempts: {Result}", delivery.Id, delivery.Event, delivery.Webhook.Url, delivery.Attempts, result);
        }
        else
        {
            var wait = settings.RetryBase * Math.Pow(2, delivery.Attempts - 1);
            delivery.NextAttemptAt = now + (wait < settings.RetryMax ? wait : settings.RetryMax);
            logger.LogWarning("Webhook delivery {Delivery} ({Event}) to {Url} failed on attempt {Attempt} ({Result}); next attempt at {Next:O}", delivery.Id, delivery.Event, delivery.Webhook.Url, delivery.Attempts, result, delivery.NextAttemptAt);
        }
    }

    /// <summary>The signature header's value: <c>sha256=</c> and the lowercase hex HMAC-SHA256 of the body with the secret.</summary>
    public static string Signature(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    private async Task TrimLogAsync(ApplicationDbContext db, CancellationToken cancellationToken)
    {
        var keep = options.CurrentValue.KeepDeliveries;
        if (await db.WebhookDeliveries.OrderByDescending(d => d.Id).Skip(keep).Select(d => (int?)d.Id).FirstOrDefaultAsync(cancellationToken) is { } oldest)
        {
            await db.WebhookDeliveries.Where(d => d.Id <= oldest && d.State != WebhookDeliveryState.Pending).ExecuteDeleteAsync(cancellationToken);
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
