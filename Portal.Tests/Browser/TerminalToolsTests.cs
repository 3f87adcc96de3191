using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>The terminal's tools as a user meets them on the serial console: search, links, copy on select, font size, renderer, scroll lock.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TerminalToolsTests(BrowserFixture browser) : BrowserTest(browser)
{
    private const string Board = "rpi-02";

    [ChromiumFact]
    public async Task CtrlShiftFFindsTextInTheScrollbackAndHighlightsIt()
    {
        var page = await OpenConsoleAsync("searcher@lab.test");
        await RunAsync(page, "echo needle-4711");

        await page.Keyboard.PressAsync("Control+Shift+F");
        var search = page.GetByPlaceholder("Search the scrollback");
        await Expect(search).ToBeFocusedAsync();
        await search.FillAsync("needle-4711");

        // The typed command and its output: two matches, the current one selected, the other in the match colour (#5c4a00).
        await Expect(page.Locator("[data-search-results]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[12] of 2$"));
        await Expect(page.Locator("[data-terminal] .xterm-selection div")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("[data-terminal] .xterm-rows span[style*='background-color: rgb(92, 74, 0)']")).ToHaveCountAsync("needle-4711".Length);
        await ScreenshotAsync(page, "terminal-search");

        await search.FillAsync("not-printed-anywhere");
        await Expect(page.Locator("[data-search-results]")).ToHaveTextAsync("No match");
        await search.PressAsync("Escape");
        await Expect(search).ToHaveCountAsync(0);
    }

    [ChromiumFact]
    public async Task ALinkPrintedOnTheConsoleOpensWhenClicked()
    {
        var page = await OpenConsoleAsync("linker@lab.test");
        var url = $"{BaseUrl.TrimEnd('/')}/healthz/live";
        await RunAsync(page, $"echo {url}");
        var line = page.Locator("[data-terminal] .xterm-rows > div", new() { HasTextRegex = new($"^{System.Text.RegularExpressions.Regex.Escape(url)}") });

        // Hovering shows it as a link (underlined); a click opens it. The rows let the pointer through to the terminal's
        // screen (pointer-events: none), which takes it there as a user's: so no check that the row is what is hit.
        await line.HoverAsync(new() { Position = new() { X = 20, Y = 5 }, Force = true });
        await Expect(line.Locator("span[style*=underline]")).ToHaveTextAsync(url);
        await Expect(page.Locator("[data-terminal] .xterm-screen.xterm-cursor-pointer")).ToBeVisibleAsync();
        var opened = await page.RunAndWaitForPopupAsync(() => line.ClickAsync(new() { Position = new() { X = 20, Y = 5 }, Force = true }));

        // The addon opens a blank window and then sends it to the link (so the page cannot reach back to the portal).
        await Expect(opened).ToHaveURLAsync(url);
        await Expect(opened.Locator("body")).ToHaveTextAsync("Healthy");
    }

    [ChromiumFact]
    public async Task SelectingTextCopiesIt()
    {
        var page = await OpenConsoleAsync("copier@lab.test");
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = BaseUrl.TrimEnd('/') });
        await RunAsync(page, "echo copied-word");
        var line = page.Locator("[data-terminal] .xterm-rows > div", new() { HasTextRegex = new("^copied-word") });

        // The pointer goes through the row to the terminal's screen, as a user's (see the link test).
        await line.DblClickAsync(new() { Position = new() { X = 10, Y = 5 }, Force = true });

        await page.WaitForFunctionAsync("async () => (await navigator.clipboard.readText()) === 'copied-word'", null, new() { PollingInterval = 100 });
    }

    [ChromiumFact]
    public async Task FontSizeChangesTheTerminalAndIsKeptForTheNextVisit()
    {
        var page = await OpenConsoleAsync("reader@lab.test");
        const string fontSize = "getComputedStyle(document.querySelector('[data-terminal] .xterm-rows')).fontSize";
        Assert.Equal("14px", await page.EvaluateAsync<string>(fontSize));

        await page.GetByRole(AriaRole.Button, new() { Name = "Larger text" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Larger text" }).ClickAsync();

        await Expect(page.Locator("[data-font-size]")).ToHaveTextAsync("16 px");
        Assert.Equal("16px", await page.EvaluateAsync<string>(fontSize));

        await page.ReloadAsync();
        await Expect(page.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-font-size]")).ToHaveTextAsync("16 px");
        Assert.Equal("16px", await page.EvaluateAsync<string>(fontSize));
    }

    [ChromiumFact]
    public async Task ScrollLockHoldsOutputUntilReleased()
    {
        var page = await OpenConsoleAsync("scroller@lab.test");
        var screen = page.Locator("[data-terminal] .xterm-rows");
        var scrollLock = page.GetByRole(AriaRole.Button, new() { Name = "Scroll lock" });

        await scrollLock.ClickAsync();
        await Expect(scrollLock).ToHaveAttributeAsync("aria-pressed", "true");
        await page.Locator("[data-terminal]").ClickAsync();
        await page.Keyboard.TypeAsync("echo held-back");
        await page.Keyboard.PressAsync("Enter");
        // Absence can only be seen after a while: the board answers within milliseconds when not held.
        await Task.Delay(1500);
        await Expect(screen).Not.ToContainTextAsync("held-back");

        await scrollLock.ClickAsync();

        await Expect(scrollLock).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(screen).ToContainTextAsync("held-back");
    }

    [ChromiumFact]
    public async Task WithoutAGpuTheTerminalDrawsWithTheDomRendererUntilTheUserPicksWebglWhichIsKept()
    {
        // Headless Chromium has WebGL in software only (SwiftShader): the terminal picks the DOM renderer by itself.
        var page = await OpenConsoleAsync("drawer@lab.test", domRenderer: false);
        var renderer = page.GetByRole(AriaRole.Button, new() { Name = "WebGL renderer" });
        await RunAsync(page, "echo drawn-by-gl");
        await Expect(renderer).ToHaveAttributeAsync("aria-pressed", "false");

        await renderer.ClickAsync();

        // WebGL draws into a canvas: no rows of text in the page; the choice holds for the next visit.
        await Expect(renderer).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator("[data-terminal] canvas").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-terminal] .xterm-rows")).ToHaveCountAsync(0);
        await page.ReloadAsync();
        await Expect(page.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await Expect(renderer).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator("[data-terminal] .xterm-rows")).ToHaveCountAsync(0);

        // Back to the DOM renderer: it draws what the terminal had.
        await renderer.ClickAsync();
        await Expect(page.Locator("[data-terminal] .xterm-rows")).ToContainTextAsync("drawn-by-gl");
    }

    private async Task<IPage> OpenConsoleAsync(string email, bool domRenderer = true)
    {
        var user = await Portal.CreateUserAsync(email, "Terminal-Pass-1");
        await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(user, Board, null, CancellationToken.None);
        var page = await NewPageAsync(domRenderer: domRenderer);
        await LogInAsync(page, email, "Terminal-Pass-1");
        await page.GotoAsync($"boards/{Board}/console");
        await Expect(page.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        return page;
    }

    private static async Task RunAsync(IPage page, string command)
    {
        await page.Locator("[data-terminal]").ClickAsync();
        await page.Keyboard.TypeAsync(command);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-terminal] .xterm-rows > div", new() { HasTextRegex = new("^" + System.Text.RegularExpressions.Regex.Escape(command["echo ".Length..])) })).ToHaveCountAsync(1);
    }
}
