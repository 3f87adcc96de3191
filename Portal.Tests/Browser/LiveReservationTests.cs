using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
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

    [ChromiumFact]
    public async Task ALeasesTimeLeftCountsDownOnTheOpenPage()
    {
        var holder = await Portal.CreateUserAsync("holder@lab.test", "Live-Pass-123");
        await Portal.CreateUserAsync("viewer@lab.test", "Live-Pass-123");
        var lease = await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(holder, "pine-02", TimeSpan.FromMinutes(10), CancellationToken.None);
        Assert.Null(lease.Error);

        var page = await NewPageAsync();
        await LogInAsync(page, "viewer@lab.test", "Live-Pass-123");
        await WaitUntilLiveAsync(page);
        var countdown = page.Locator("[data-board='pine-02'] .lease-countdown");
        var timeLeft = new Regex(@"^(\d)m (\d\d)s left$");
        await Expect(countdown).ToHaveTextAsync(timeLeft);
        var first = await countdown.TextContentAsync();

        // The browser ticks it, in the server's words, without the page being rendered again.
        await Expect(countdown).Not.ToHaveTextAsync(first!, new() { Timeout = 5_000 });
        var later = timeLeft.Match((await countdown.TextContentAsync())!);
        Assert.True(later.Success, "the countdown no longer reads as minutes and seconds left");
        Assert.True(Seconds(later) < Seconds(timeLeft.Match(first!)), $"the countdown went from {first} to {later.Value}");
    }

    private static int Seconds(Match left) => int.Parse(left.Groups[1].Value) * 60 + int.Parse(left.Groups[2].Value);
}
