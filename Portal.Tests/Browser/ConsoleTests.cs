using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class ConsoleTests(BrowserFixture browser) : BrowserTest(browser)
{
    [ChromiumFact]
    public async Task HolderTypesIntoTheSimulatedBoardAndPowerCycleShowsTheBootLog()
    {
        await Portal.CreateUserAsync("holder@lab.test", "Console-Pass-1");
        await Portal.CreateUserAsync("watcher@lab.test", "Console-Pass-1");
        var holder = await NewPageAsync();
        var watcher = await NewPageAsync();
        await LogInAsync(holder, "holder@lab.test", "Console-Pass-1");
        await LogInAsync(watcher, "watcher@lab.test", "Console-Pass-1");

        await holder.GetByRole(AriaRole.Button, new() { Name = "Reserve pine-01" }).ClickAsync();
        await Expect(holder.GetByText("You hold pine-01.")).ToBeVisibleAsync();
        await holder.GotoAsync("boards/pine-01/console");
        await watcher.GotoAsync("boards/pine-01/console");
        await Expect(holder.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "interactive");
        await Expect(watcher.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "read-only");
        var holderScreen = holder.Locator("[data-terminal] .xterm-rows");
        var watcherScreen = watcher.Locator("[data-terminal] .xterm-rows");
        await Expect(holder.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await Expect(watcher.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();

        await holder.Locator("[data-terminal]").ClickAsync();
        await holder.Keyboard.TypeAsync("help");
        await holder.Keyboard.PressAsync("Enter");

        await Expect(holderScreen).ToContainTextAsync("Commands: help, uname [-a], echo TEXT, reboot");
        await Expect(watcherScreen).ToContainTextAsync("Commands: help, uname [-a], echo TEXT, reboot");

        await watcher.Locator("[data-terminal]").ClickAsync();
        await watcher.Keyboard.TypeAsync("echo intruder");
        await watcher.Keyboard.PressAsync("Enter");

        await holder.GetByRole(AriaRole.Button, new() { Name = "Cycle" }).ClickAsync();
        await Expect(holderScreen).ToContainTextAsync("U-Boot 2024.01", new() { Timeout = 20_000 });
        await Expect(holderScreen).ToContainTextAsync("Welcome to pine-01");
        await Expect(watcher.Locator("[data-power]")).ToHaveAttributeAsync("data-power", "on");
        await ScreenshotAsync(holder, "console");
        await Expect(holderScreen).Not.ToContainTextAsync("intruder");
    }

    [ChromiumFact]
    public async Task TheHolderSendsABreakWhichTheBoardShowsAndAWatcherIsNotOfferedOne()
    {
        var holder = await Portal.CreateUserAsync("breaker@lab.test", "Console-Pass-1");
        await Portal.CreateUserAsync("onlooker@lab.test", "Console-Pass-1");
        await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(holder, "pine-02", null, CancellationToken.None);
        var page = await NewPageAsync();
        var onlooker = await NewPageAsync();
        await LogInAsync(page, "breaker@lab.test", "Console-Pass-1");
        await LogInAsync(onlooker, "onlooker@lab.test", "Console-Pass-1");
        await page.GotoAsync("boards/pine-02/console");
        await onlooker.GotoAsync("boards/pine-02/console");
        await Expect(page.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await Expect(onlooker.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Send break" }).ClickAsync();

        await Expect(page.GetByText("Break sent.")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-terminal] .xterm-rows")).ToContainTextAsync("[break]");
        await Expect(onlooker.Locator("[data-terminal] .xterm-rows")).ToContainTextAsync("[break]");
        await Expect(onlooker.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "read-only");
        await Expect(onlooker.GetByRole(AriaRole.Button, new() { Name = "Send break" })).ToHaveCountAsync(0);
        await ScreenshotAsync(page, "console-break");
    }

    [ChromiumFact]
    public async Task AReloadedConsoleShowsWhatWasPrintedBefore()
    {
        var reloader = await Portal.CreateUserAsync("reloader@lab.test", "Console-Pass-1");
        await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(reloader, "rpi-02", null, CancellationToken.None);
        var page = await NewPageAsync();
        await LogInAsync(page, "reloader@lab.test", "Console-Pass-1");
        await page.GotoAsync("boards/rpi-02/console");
        var screen = page.Locator("[data-terminal] .xterm-rows");
        await Expect(page.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await page.Locator("[data-terminal]").ClickAsync();
        await page.Keyboard.TypeAsync("echo before-reload");
        await page.Keyboard.PressAsync("Enter");
        await Expect(screen).ToContainTextAsync("before-reload");

        await page.ReloadAsync();

        await Expect(page.Locator("[data-terminal] .xterm-rows")).ToContainTextAsync("echo before-reload");
    }
}
