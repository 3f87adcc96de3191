using Microsoft.Playwright;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>What people see when the portal's limits of open pages (the Circuits section) are reached.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CircuitLimitTests(BrowserFixture browser) : BrowserTest(browser)
{
    private const string PerUserMessage = "You already have the most portal pages open that one person may (2); close one of them and reload this page.";
    private const string TotalMessage = "The portal already serves the most open pages it may (3); reload this page in a few minutes.";

    public override Task InitializeAsync()
    {
        Portal.WithSetting("Circuits:MaxPerUser", "2").WithSetting("Circuits:MaxTotal", "3");
        return base.InitializeAsync();
    }

    [ChromiumFact]
    public async Task PagesBeyondTheLimitsSayWhyInsteadOfOpeningAndOpenOnceAPlaceIsFree()
    {
        await Portal.CreateUserAsync("tabs@lab.test", "Tabs-Pass-1234");
        await Portal.CreateUserAsync("other@lab.test", "Other-Pass-1234");
        await Portal.CreateUserAsync("late@lab.test", "Late-Pass-12345");
        var first = await NewPageAsync();
        await LogInAsync(first, "tabs@lab.test", "Tabs-Pass-1234");
        await WaitUntilLiveAsync(first);
        var second = await first.Context.NewPageAsync();
        await second.GotoAsync("boards/pine-01/console");
        await Expect(second.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();

        // A third tab of the same person: the message instead of the page (no console, no navigation).
        var third = await first.Context.NewPageAsync();
        await third.GotoAsync("boards/pine-01/console");
        await Expect(third.GetByRole(AriaRole.Alert)).ToHaveTextAsync(PerUserMessage);
        await Expect(third.Locator("[data-terminal]")).ToHaveCountAsync(0);
        await Expect(third.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" })).ToHaveCountAsync(0);
        await ScreenshotAsync(third, "circuit-limit-per-user");

        // Someone else still gets the portal's last place; after that, nobody does.
        var other = await NewPageAsync();
        await LogInAsync(other, "other@lab.test", "Other-Pass-1234");
        await WaitUntilLiveAsync(other);
        var late = await NewPageAsync();
        await LogInAsync(late, "late@lab.test", "Late-Pass-12345");
        await Expect(late.GetByRole(AriaRole.Alert)).ToHaveTextAsync(TotalMessage);
        await Expect(late.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" })).ToHaveCountAsync(0);

        // Closing a tab frees its place: the refused tab opens on Reload.
        await second.CloseAsync();
        await third.GetByRole(AriaRole.Button, new() { Name = "Reload" }).ClickAsync();
        await Expect(third.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await Expect(third.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
    }
}
