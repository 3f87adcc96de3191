using Microsoft.Playwright;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>An admin adds a webhook on its page, pings it and reads the delivery in the log.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WebhooksPageTests(BrowserFixture browser) : BrowserTest(browser)
{
    [ChromiumFact]
    public async Task AnAdminAddsAWebhookPingsItAndSeesTheDeliveryInTheLog()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var page = await NewPageAsync();
        await LogInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.GotoAsync("admin/webhooks");
        await WaitUntilLiveAsync(page);
        var add = page.Locator("[data-panel=add-webhook]");

        // A short secret is refused with the reason, and nothing is added.
        await add.GetByLabel("URL").FillAsync(receiver.Url);
        await add.GetByLabel("Secret").FillAsync("short");
        await add.GetByLabel("A queued request is granted (queue.granted)").CheckAsync();
        await add.GetByRole(AriaRole.Button, new() { Name = "Add webhook" }).ClickAsync();
        await Expect(add.Locator("[data-webhook-error]")).ToHaveTextAsync("The secret must be 16 to 200 characters, so that signatures cannot be guessed.");

        await add.GetByLabel("Secret").FillAsync("a-shared-secret-of-the-lab");
        await add.GetByRole(AriaRole.Button, new() { Name = "Add webhook" }).ClickAsync();
        var webhooks = page.Locator("[data-table=webhooks] tbody tr");
        await Expect(webhooks).ToHaveCountAsync(1);
        await Expect(webhooks).ToContainTextAsync("queue.granted");
        await Expect(page.GetByText("a-shared-secret-of-the-lab")).ToHaveCountAsync(0);

        await webhooks.GetByRole(AriaRole.Button, new() { Name = "Send ping" }).ClickAsync();
        var deliveries = page.Locator("[data-table=deliveries] tbody tr");
        for (var tries = 0; tries < 50 && !await deliveries.GetByText("delivered").IsVisibleAsync(); tries++)
        {
            await Task.Delay(200);
            await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        }

        await Expect(deliveries).ToContainTextAsync("ping");
        await Expect(deliveries).ToContainTextAsync("delivered");
        await Expect(deliveries).ToContainTextAsync("HTTP 200 OK");
        Assert.Equal("ping", Assert.Single(receiver.Received).Event);
        await ScreenshotAsync(page, "webhooks");
    }
}
