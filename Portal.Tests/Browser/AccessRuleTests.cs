using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Access;
using Portal.Data;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class AccessRuleTests(BrowserFixture browser) : BrowserTest(browser)
{
    [ChromiumFact]
    public async Task DenyingConsoleWriteTurnsAnOpenConsoleReadOnlyAtOnce()
    {
        var bobUser = await Portal.CreateUserAsync("bob@lab.test", "Rules-Pass-123");
        await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(bobUser, "rpi-02", null, CancellationToken.None);

        var bob = await NewPageAsync();
        await LogInAsync(bob, "bob@lab.test", "Rules-Pass-123");
        await bob.GotoAsync("boards/rpi-02/console");
        var screen = bob.Locator("[data-terminal] .xterm-rows");
        await Expect(bob.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "interactive");
        await Expect(bob.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await bob.Locator("[data-terminal]").ClickAsync();
        await bob.Keyboard.TypeAsync("echo one");
        await bob.Keyboard.PressAsync("Enter");
        await Expect(screen).ToContainTextAsync(new Regex("echo one.*one.*root@rpi-02:~#"));

        var admin = await NewPageAsync();
        await LogInAsync(admin, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await admin.GotoAsync("admin/rules");
        await WaitUntilLiveAsync(admin);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add rule" }).ClickAsync();
        await ChooseAsync(admin, "Effect", "Deny");
        await ChooseAsync(admin, "Capability", "ConsoleWrite");
        await ChooseAsync(admin, "Subject", "a user");
        await ChooseAsync(admin, "User", "bob@lab.test");
        await ChooseAsync(admin, "Target", "a board");
        await ChooseAsync(admin, "Board", "rpi-02");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(admin.GetByText("Rule added.")).ToBeVisibleAsync();
        await Expect(admin.GetByRole(AriaRole.Cell, new() { Name = "user bob@lab.test" })).ToBeVisibleAsync();

        await Expect(bob.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "read-only");
        await Expect(bob.Locator("[data-console-mode]")).ToContainTextAsync("you lack ConsoleWrite");
        await bob.Locator("[data-terminal]").ClickAsync();
        await bob.Keyboard.TypeAsync("echo two");
        await bob.Keyboard.PressAsync("Enter");
        await ScreenshotAsync(bob, "console-read-only");

        // The admin's own view of the console shows what reached the board: the first command, not the second.
        await admin.GotoAsync("boards/rpi-02/console");
        var adminScreen = admin.Locator("[data-terminal] .xterm-rows");
        await Expect(admin.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await Expect(adminScreen).ToContainTextAsync("echo one");
        await admin.Locator("[data-terminal]").ClickAsync();
        await admin.Keyboard.TypeAsync("echo marker");
        await admin.Keyboard.PressAsync("Enter");
        await Expect(adminScreen).ToContainTextAsync(new Regex("echo marker.*marker.*root@rpi-02:~#"));
        await Expect(adminScreen).Not.ToContainTextAsync("two");

        // Losing ConsoleRead as well disconnects Bob's console at once.
        var rules = Portal.Services.GetRequiredService<AccessRuleService>();
        var denied = await rules.CreateAsync(
            await Portal.AdminAsync(),
            new RuleInput(SubjectKind.User, "bob@lab.test", Capability.ConsoleRead, TargetKind.Board, "rpi-02", RuleEffect.Deny),
            CancellationToken.None);
        Assert.True(denied.Succeeded, denied.Error);

        await Expect(bob.Locator("[data-console-refused]")).ToContainTextAsync("You may not watch this console: you lack ConsoleRead");
        await Expect(bob.Locator("[data-terminal]")).ToHaveCountAsync(0);
    }

    /// <summary>Opens the dialog's select with that label and picks an option, as a person would.</summary>
    private static async Task ChooseAsync(IPage page, string label, string option)
    {
        var select = page.Locator($".mud-dialog .mud-input-control:has(label:text-is('{label}'))");
        await select.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = option }).First.ClickAsync();
        await Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
        await Expect(select).ToContainTextAsync(option);
    }
}
