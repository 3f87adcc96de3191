using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class HealthCheckBrowserTests(BrowserFixture browser) : BrowserTest(browser)
{
    private const string Reason = "Step 2 of 2 (expect /kernel: all good/ within 2 s) failed: the console did not print /kernel: all good/ within 2 s.";

    public override Task InitializeAsync()
    {
        // The demo's simulated pine-01 boots when cycled, but never says what this check waits for.
        Portal.WithSetting("Lab:Boards:0:HealthCheck:Steps:0:Power", "cycle")
            .WithSetting("Lab:Boards:0:HealthCheck:Steps:1:Expect", "kernel: all good")
            .WithSetting("Lab:Boards:0:HealthCheck:Steps:1:Timeout", "00:00:02");
        return base.InitializeAsync();
    }

    [ChromiumFact]
    public async Task AnAdminRunsACheckFromTheBoardPageAndEveryPageShowsTheBoardBadWithTheReason()
    {
        await Portal.CreateUserAsync("watcher@lab.test", "Health-Pass-123");
        var admin = await NewPageAsync();
        var watcher = await NewPageAsync();
        await LogInAsync(admin, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await LogInAsync(watcher, "watcher@lab.test", "Health-Pass-123");
        var watchersRow = watcher.Locator("[data-board='pine-01']");
        await Expect(watchersRow.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "free");
        await WaitUntilLiveAsync(watcher);
        await admin.GotoAsync("boards/pine-01");
        await WaitUntilLiveAsync(admin);
        var panel = admin.Locator("[data-panel='health']");
        await Expect(panel.Locator("[data-health]")).ToHaveAttributeAsync("data-health", "unknown");

        await panel.GetByRole(AriaRole.Button, new() { Name = "Run health check" }).ClickAsync();

        await Expect(admin.Locator("[data-state]").First).ToHaveAttributeAsync("data-state", "bad", new() { Timeout = 30_000 });
        await Expect(panel.Locator("[data-health]")).ToHaveAttributeAsync("data-health", "bad");
        await Expect(panel.Locator("[data-health-note]")).ToHaveTextAsync(Reason);
        var history = admin.Locator("[data-health-history]");
        await Expect(history.Locator("[data-outcome]").First).ToHaveTextAsync("failed");
        await Expect(history.Locator("[data-health-reason]").First).ToHaveTextAsync(Reason);
        await history.Locator("summary").First.ClickAsync();
        await Expect(history.Locator("[data-health-log]").First).ToContainTextAsync("step 1: power cycle: ok");
        await Expect(watchersRow.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "bad");
        await Expect(watchersRow.Locator("[data-health-note]")).ToHaveTextAsync(Reason);
        await Expect(watchersRow.GetByRole(AriaRole.Button, new() { Name = "Reserve pine-01" })).ToHaveCountAsync(0);
        await ScreenshotAsync(admin, "board-health-bad");
    }

    [ChromiumFact]
    public async Task ACheckAskedForWhileTheBoardIsHeldWaitsAndTheBoardPageSaysWhy()
    {
        var holder = await Portal.CreateUserAsync("holder@lab.test", "Health-Pass-123");
        Assert.Null((await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(holder, "pine-01", null, CancellationToken.None)).Error);
        var admin = await NewPageAsync();
        await LogInAsync(admin, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await admin.GotoAsync("boards/pine-01");
        await WaitUntilLiveAsync(admin);
        var panel = admin.Locator("[data-panel='health']");

        await panel.GetByRole(AriaRole.Button, new() { Name = "Run health check" }).ClickAsync();

        await Expect(panel.Locator("[data-check-due]")).ToHaveTextAsync($"A health check waits for the board (on demand by {PortalFactory.AdminEmail}).");
    }
}
