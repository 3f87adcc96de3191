using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Health;
using Portal.Reservations;
using Portal.Tests.Support;
using Portal.Webhooks;

namespace Portal.Tests.Web;

public sealed class WebhookTests : IAsyncLifetime
{
    private const string Password = "Webhook-Pass-123";
    private const string Secret = "a-shared-secret-of-the-lab";

    private readonly PortalFactory _portal = new PortalFactory()
        .WithSetting("Webhooks:RetryBase", "00:00:00.300")
        .WithSetting("Webhooks:LeaseScanInterval", "00:00:00.200");

    private readonly WebhookReceiver _receiver = new();

    public Task InitializeAsync() => _receiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task AGrantFromTheQueueArrivesSignedAndAReceiverThatAnswers500IsTriedAgain()
    {
        var webhooks = _portal.Services.GetRequiredService<WebhookService>();
        Assert.Null(await webhooks.AddAsync(await _portal.AdminAsync(), _receiver.Url, Secret, WebhookEvents.QueueGranted, CancellationToken.None));
        _receiver.Answers.Enqueue(HttpStatusCode.InternalServerError);
        var lifecycle = _portal.Services.GetRequiredService<ReservationLifecycle>();
        var queue = _portal.Services.GetRequiredService<ReservationQueue>();
        var holder = await _portal.CreateUserAsync("holder@lab.test", Password);
        var waiter = await _portal.CreateUserAsync("waiter@lab.test", Password);
        var first = (await lifecycle.ReserveBoardAsync(holder, "rpi-01", null, CancellationToken.None)).Reservation!;
        var second = (await lifecycle.ReserveBoardAsync(holder, "rpi-02", null, CancellationToken.None)).Reservation!;
        Assert.NotNull((await queue.ReserveClassAsync(waiter, "rpi4", new Dictionary<string, string>(), null, waitInQueue: true, CancellationToken.None)).Queued);

        await lifecycle.ReleaseAsync(holder, first.Id, CancellationToken.None);

        var (failed, delivered) = await WaitForAsync(() => _receiver.Received.Count >= 2 ? (_receiver.Received.ElementAt(0), _receiver.Received.ElementAt(1)) : default);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.AnsweredWith);
        Assert.Equal(HttpStatusCode.OK, delivered.AnsweredWith);
        Assert.Equal(failed.Delivery, delivered.Delivery);
        Assert.Equal(failed.Body, delivered.Body);
        Assert.Equal("queue.granted", delivered.Event);
        Assert.Equal(WebhookSender.Signature(Secret, delivered.Body), delivered.Signature);
        Assert.NotEqual(WebhookSender.Signature("another-secret-of-the-lab", delivered.Body), delivered.Signature);
        using var body = JsonDocument.Parse(delivered.Body);
        Assert.Equal("queue.granted", body.RootElement.GetProperty("event").GetString());
        Assert.Equal("rpi-01", body.RootElement.GetProperty("data").GetProperty("board").GetString());
        Assert.Equal("waiter@lab.test", body.RootElement.GetProperty("data").GetProperty("user").GetString());
        Assert.True(delivered.At - failed.At >= TimeSpan.FromMilliseconds(250), "the second attempt waits for the back-off");

        // The delivery log says what happened; the other board's release tells the webhook nothing.
        var log = await WaitForAsync(async () => (await webhooks.DeliveriesAsync(10, CancellationToken.None)) is [{ State: WebhookDeliveryState.Delivered } only] ? only : null);
        Assert.Equal((2, "HTTP 200 OK", "queue.granted"), (log.Attempts, log.LastResult, log.Event));
        await lifecycle.ReleaseAsync(holder, second.Id, CancellationToken.None);
        await Task.Delay(1000);
        Assert.Equal(2, _receiver.Received.Count);
    }

    [Fact]
    public async Task ALeaseAboutToEndIsAnnouncedOnceAndAgainAfterAnExtensionOnlyToWebhooksThatAskedForIt()
    {
        var webhooks = _portal.Services.GetRequiredService<WebhookService>();
        var admin = await _portal.AdminAsync();
        Assert.Null(await webhooks.AddAsync(admin, _receiver.Url, Secret, WebhookEvents.LeaseEnding | WebhookEvents.SandboxFailed, CancellationToken.None));
        Assert.Null(await webhooks.AddAsync(admin, _receiver.Url + "queue-only", Secret, WebhookEvents.QueueGranted, CancellationToken.None));
        var lifecycle = _portal.Services.GetRequiredService<ReservationLifecycle>();
        var holder = await _portal.CreateUserAsync("holder@lab.test", Password);

        var reservation = (await lifecycle.ReserveBoardAsync(holder, "rpi-01", TimeSpan.FromMinutes(5), CancellationToken.None)).Reservation!;
        var warned = await WaitForAsync(() => _receiver.Received.FirstOrDefault());
        await Task.Delay(1000);
        Assert.Single(_receiver.Received);
        Assert.Equal("lease.ending", warned.Event);
        Assert.Equal("/", warned.Path);

        await lifecycle.ExtendAsync(holder, reservation.Id, TimeSpan.FromMinutes(2), CancellationToken.None);
        await WaitForAsync(() => _receiver.Received.Count == 2 ? "again" : null);
        using var body = JsonDocument.Parse(_receiver.Received.ElementAt(1).Body);
        Assert.Equal(reservation.Id, body.RootElement.GetProperty("data").GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task ABoardsHealthChangeIsAnnouncedWithWhatItWasAndWhy()
    {
        var webhooks = _portal.Services.GetRequiredService<WebhookService>();
        var admin = await _portal.AdminAsync();
        Assert.Null(await webhooks.AddAsync(admin, _receiver.Url, Secret, WebhookEvents.BoardHealthChanged, CancellationToken.None));
        var health = _portal.Services.GetRequiredService<BoardHealthService>();

        Assert.Null(await health.SetMaintenanceAsync(admin, "rpi-02", "a new USB cable", CancellationToken.None));
        var told = await WaitForAsync(() => _receiver.Received.FirstOrDefault());

        Assert.Equal("board.health", told.Event);
        Assert.Equal(WebhookSender.Signature(Secret, told.Body), told.Signature);
        using var body = JsonDocument.Parse(told.Body);
        var data = body.RootElement.GetProperty("data");
        Assert.Equal(("rpi-02", "maintenance", "unknown", "a new USB cable"), (data.GetProperty("board").GetString(), data.GetProperty("health").GetString(), data.GetProperty("was").GetString(), data.GetProperty("reason").GetString()));

        // A change that leaves its health as it was (a reservation) tells the webhook nothing.
        var holder = await _portal.CreateUserAsync("holder@lab.test", Password);
        Assert.NotNull((await _portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(holder, "rpi-01", null, CancellationToken.None)).Reservation);
        await Task.Delay(1000);
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public async Task BadWebhooksAreRefusedWithOneSentenceAndOnlyAdminsManageThem()
    {
        var webhooks = _portal.Services.GetRequiredService<WebhookService>();
        var admin = await _portal.AdminAsync();
        var user = await _portal.CreateUserAsync("user@lab.test", Password);

        Assert.Equal("The URL must be an absolute http:// or https:// address.", await webhooks.AddAsync(admin, "ftp://lab.test/", Secret, WebhookEvents.QueueGranted, CancellationToken.None));
        Assert.Equal("The secret must be 16 to 200 characters, so that signatures cannot be guessed.", await webhooks.AddAsync(admin, _receiver.Url, "short", WebhookEvents.QueueGranted, CancellationToken.None));
        Assert.Equal("Pick at least one event to send.", await webhooks.AddAsync(admin, _receiver.Url, Secret, WebhookEvents.None, CancellationToken.None));
        Assert.Equal("Only admins manage webhooks.", await webhooks.AddAsync(user, _receiver.Url, Secret, WebhookEvents.QueueGranted, CancellationToken.None));
        Assert.Empty(await webhooks.ListAsync(CancellationToken.None));

        Assert.Null(await webhooks.AddAsync(admin, _receiver.Url, Secret, WebhookEvents.QueueGranted, CancellationToken.None));
        var id = Assert.Single(await webhooks.ListAsync(CancellationToken.None)).Id;
        Assert.Equal("Only admins manage webhooks.", await webhooks.RemoveAsync(user, id, CancellationToken.None));
        Assert.Null(await webhooks.PingAsync(admin, id, CancellationToken.None));
        Assert.Equal("ping", (await WaitForAsync(() => _receiver.Received.FirstOrDefault())).Event);
        Assert.Null(await webhooks.RemoveAsync(admin, id, CancellationToken.None));
        Assert.Empty(await webhooks.ListAsync(CancellationToken.None));
    }

    private static Task<T> WaitForAsync<T>(Func<T?> probe) => WaitForAsync(() => Task.FromResult(probe()));

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
    {
        for (var waited = 0; waited < 300; waited++)
        {
            if (await probe() is { } found && !EqualityComparer<T>.Default.Equals(found, default))
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The webhook receiver did not get what was expected within 30 s.");
    }
}
