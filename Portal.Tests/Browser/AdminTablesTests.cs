using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>All reservations and the audit log, paged by the server, filtered, with force release as a row action.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminTablesTests(BrowserFixture browser) : BrowserTest(browser)
{
    [ChromiumFact]
    public async Task AllReservationsArePagedFilteredAndForceReleasedFromTheirRow()
    {
        var ada = await Portal.CreateUserAsync("ada@lab.test", "Tables-Pass-1");
        var bob = await Portal.CreateUserAsync("bob@lab.test", "Tables-Pass-1");
        var reservations = Portal.Services.GetRequiredService<ReservationLifecycle>();
        for (var i = 0; i < 29; i++)
        {
            var who = i % 3 == 0 ? bob : ada;
            var granted = await reservations.ReserveBoardAsync(who, "rpi-01", null, CancellationToken.None);
            Assert.Null((await reservations.ReleaseAsync(who, granted.Reservation!.Id, CancellationToken.None)).Error);
        }

        Assert.Null((await reservations.ReserveBoardAsync(ada, "pine-01", null, CancellationToken.None)).Error);
        var page = await NewPageAsync();
        await LogInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.GotoAsync("admin/reservations");
        await WaitUntilLiveAsync(page);
        var table = page.Locator("[data-panel=reservations]");
        var rows = table.Locator("tbody tr");

        await Expect(table).ToContainTextAsync("1-25 of 30");
        await Expect(rows).ToHaveCountAsync(25);
        await table.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Expect(table).ToContainTextAsync("26-30 of 30");
        await Expect(rows).ToHaveCountAsync(5);

        await table.GetByLabel("User").FillAsync("bob");
        await Expect(table).ToContainTextAsync("1-10 of 10");
        await Expect(rows.Filter(new() { HasText = "ada@lab.test" })).ToHaveCountAsync(0);
        await table.GetByLabel("User").FillAsync("");
        await table.GetByLabel("Board").FillAsync("pine");
        await Expect(rows).ToHaveCountAsync(1);
        await ScreenshotAsync(page, "all-reservations-filtered");

        // Laid out for a 1280-pixel screen: the row action is inside the panel, the date filter one line high.
        var panelBox = (await table.BoundingBoxAsync())!;
        var actionBox = (await rows.GetByRole(AriaRole.Button, new() { Name = "Force release pine-01 from ada@lab.test" }).BoundingBoxAsync())!;
        Assert.True(actionBox.X + actionBox.Width <= panelBox.X + panelBox.Width, $"Force release ends at {actionBox.X + actionBox.Width}, beyond the panel's edge at {panelBox.X + panelBox.Width}.");
        Assert.InRange((await table.Locator(".mud-picker").First.BoundingBoxAsync())!.Height, 30, 70);

        await rows.GetByRole(AriaRole.Button, new() { Name = "Force release pine-01 from ada@lab.test" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Force release" }).ClickAsync();
        await Expect(page.GetByText("Released.")).ToBeVisibleAsync();
        await Expect(rows.Locator("[data-reservation-state]")).ToHaveAttributeAsync("data-reservation-state", "released");
        await Expect(rows.GetByRole(AriaRole.Button, new() { Name = "Force release pine-01 from ada@lab.test" })).ToHaveCountAsync(0);

        var audit = page.Locator("[data-panel=audit]");
        await audit.GetByLabel("Action").FillAsync("force");
        await Expect(audit.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(audit.Locator("tbody tr")).ToContainTextAsync("force-release");
        await Expect(audit.Locator("tbody tr")).ToContainTextAsync(PortalFactory.AdminEmail);
    }
}
