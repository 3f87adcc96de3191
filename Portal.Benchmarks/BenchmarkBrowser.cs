using Microsoft.Playwright;

namespace Portal.Benchmarks;

/// <summary>Debian's headless Chromium, as the browser tests drive it; never a downloaded browser.</summary>
internal static class BenchmarkBrowser
{
    public const string Chromium = "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Without the networking flags Chromium keeps calling hosts this closed network refuses.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

    /// <summary>
    /// An init script: keeps the xterm.js terminal a page creates as <c>window.benchTerm</c> (the portal loads xterm.js
    /// as <c>window.Terminal</c>), so a benchmark reads what it shows from its buffer, whichever renderer draws it.
    /// </summary>
    public const string CaptureTerminal = """
        (() => {
          let Xterm;
          Object.defineProperty(window, 'Terminal', {
            configurable: true,
            get: () => Xterm,
            set: value => { Xterm = class extends value { constructor(...a) { super(...a); window.benchTerm = this; } }; },
          });
        })();
        """;

    /// <summary>Logs in as the portal's admin and waits until the page is live (a click before that would go nowhere).</summary>
    public static async Task LogInAsAdminAsync(IPage page)
    {
        await page.GotoAsync("Account/Login");
        await page.GetByLabel("Email").FillAsync(BenchmarkPortal.AdminEmail);
        await page.GetByLabel("Password").FillAsync(BenchmarkPortal.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await WaitUntilLiveAsync(page);
    }

    /// <summary>The dark-mode toggle appears once the page's circuit is connected and clicks do something.</summary>
    public static Task WaitUntilLiveAsync(IPage page) =>
        page.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).WaitForAsync();
}
