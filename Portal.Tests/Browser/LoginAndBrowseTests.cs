using Microsoft.Playwright;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class LoginAndBrowseTests(BrowserFixture browser) : BrowserTest(browser)
{
    [ChromiumFact]
    public async Task AdminLogsInSeesTheDemoBoardsOpensOneAndLogsOut()
    {
        var page = await NewPageAsync();

        await page.GotoAsync("boards");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
        await LogInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Boards" })).ToBeVisibleAsync();
        foreach (var board in new[] { "pine-01", "pine-02", "rpi-01", "rpi-02" })
        {
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = board })).ToBeVisibleAsync();
        }

        await Expect(page.Locator("[data-class='pine64-a64-lts']")).ToContainTextAsync("2 / 2 free");
        await ScreenshotAsync(page, "boards");

        await page.GetByRole(AriaRole.Link, new() { Name = "rpi-02" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "rpi-02", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByText("root@192.0.2.12:22")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-driver='power']")).ToContainTextAsync("simulated");
        await ScreenshotAsync(page, "board");

        await WaitUntilLiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
        await page.GotoAsync("boards");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Account/Login"));
    }

    [ChromiumFact]
    public async Task WrongPasswordShowsTheError()
    {
        var page = await NewPageAsync();

        await LogInAsync(page, PortalFactory.AdminEmail, "not-the-password");

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong email or password.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Boards" })).Not.ToBeVisibleAsync();
    }
}
