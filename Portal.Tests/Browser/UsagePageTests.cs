using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>The admin's Usage page draws each chart beside its table, from the reservations made before.</summary>
[Collection(BrowserCollection.Name)]
public sealed class UsagePageTests(BrowserFixture browser) : BrowserTest(browser)
{
    [ChromiumFact]
    public async Task AnAdminSeesEachChartWithItsTableAndCsvExport()
    {
        var ada = await Portal.CreateUserAsync("ada@lab.test", "Usage-Pass-123");
        var reservations = Portal.Services.GetRequiredService<ReservationLifecycle>();
        foreach (var board in new[] { "rpi-01", "rpi-01", "pine-01" })
        {
            var granted = await reservations.ReserveBoardAsync(ada, board, null, CancellationToken.None);
            Assert.Null((await reservations.ReleaseAsync(ada, granted.Reservation!.Id, CancellationToken.None)).Error);
        }

        var page = await NewPageAsync();
        await LogInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.GotoAsync("admin/usage");
        await WaitUntilLiveAsync(page);

        foreach (var table in new[] { "classes", "boards", "starts", "queue", "users", "health" })
        {
            var section = page.Locator($"[data-usage={table}]");
            await Expect(section.Locator("svg").First).ToBeVisibleAsync();
            await Expect(section.Locator("table")).ToBeVisibleAsync();
            Assert.StartsWith($"admin/usage/{table}.csv?from=", await section.GetByRole(AriaRole.Link, new() { NameRegex = new("as CSV$") }).GetAttributeAsync("href"));
        }

        await Expect(page.Locator("[data-usage=boards] tr[data-board=rpi-01]")).ToContainTextAsync("2");
        await Expect(page.Locator("[data-usage=users] tr[data-user='ada@lab.test']")).ToContainTextAsync("3");
        await Expect(page.Locator("[data-rarely-used]")).ToContainTextAsync("rpi-02");
        await ScreenshotAsync(page, "usage");
    }
}
