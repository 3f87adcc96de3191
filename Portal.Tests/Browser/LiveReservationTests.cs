using Microsoft.Playwright;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class LiveReservationTests(BrowserFixture browser) : BrowserTest(browser)
{
    [ChromiumFact]
    public async Task AReservationShowsOnAnotherUsersOpenPageWithoutReload()
    {
        await Portal.CreateUserAsync("alice@lab.test", "Live-Pass-123");
        await Portal.CreateUserAsync("bob@lab.test", "Live-Pass-123");

        var alice = await NewPageAsync();
        var bob = await NewPageAsync();
        await LogInAsync(alice, "alice@lab.test", "Live-Pass-123");
        await LogInAsync(bob, "bob@lab.test", "Live-Pass-123");
        var bobsRow = bob.Locator("[data-board='pine-02']");
        await Expect(bobsRow.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "free");
        await WaitUntilLiveAsync(bob);

        await alice.GetByRole(AriaRole.Button, new() { Name = "Reserve pine-02" }).ClickAsync();
        await Expect(alice.GetByText("You hold pine-02.")).ToBeVisibleAsync();

        await Expect(bobsRow.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "reserved");
        await Expect(bobsRow).ToContainTextAsync("alice@lab.test");
        await ScreenshotAsync(bob, "boards-live-reserved");

        await alice.GetByRole(AriaRole.Link, new() { Name = "My reservations" }).ClickAsync();
        await alice.GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
        await Expect(alice.GetByText("Released.")).ToBeVisibleAsync();

        await Expect(bobsRow.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "free");
        await Expect(bobsRow).Not.ToContainTextAsync("alice@lab.test");
    }
}
