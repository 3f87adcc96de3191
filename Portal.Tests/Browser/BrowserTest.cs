using Microsoft.Playwright;
using Portal.Tests.Support;

namespace Portal.Tests.Browser;

/// <summary>A portal of its own on a loopback port, and a fresh browser context per test.</summary>
public abstract class BrowserTest(BrowserFixture browser) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    protected PortalFactory Portal { get; } = new();

    protected string BaseUrl { get; private set; } = "";

    public virtual Task InitializeAsync()
    {
        BaseUrl = Portal.StartOnLoopback();
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        try
        {
            foreach (var context in _contexts)
            {
                // Chromium once never answered a context's close (in a full run, after a page had been signed out):
                // bounded, so the suite does not sit until its hang limit, and the tests after this one get a new browser.
                var closing = context.CloseAsync();
                if (await Task.WhenAny(closing, Task.Delay(TimeSpan.FromSeconds(30))) != closing)
                {
                    await browser.ReplaceBrowserAsync();
                    break;
                }
            }
        }
        finally
        {
            await Portal.DisposeAsync();
        }
    }

    /// <summary>
    /// A new browser window with its own cookies, as a second person at another desk; optionally with a system set to
    /// dark mode. Its terminals draw with the DOM renderer unless <paramref name="domRenderer"/> is false: tests read
    /// what a terminal shows from the DOM renderer's rows, where WebGL (the default) draws into a canvas.
    /// </summary>
    protected async Task<IPage> NewPageAsync(ColorScheme colorScheme = ColorScheme.Light, bool domRenderer = true)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 }, ColorScheme = colorScheme });
        context.SetDefaultTimeout(15_000);
        if (domRenderer)
        {
            await context.AddInitScriptAsync("try { localStorage.setItem('portal.terminal.renderer', 'dom'); } catch { /* a page without storage */ }");
        }

        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    public static async Task LogInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("Account/Login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
    }

    /// <summary>Waits until the page is live (its circuit connected): the dark-mode toggle only appears then.</summary>
    public static Task WaitUntilLiveAsync(IPage page) =>
        Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" })).ToBeVisibleAsync();

    /// <summary>Keeps what the page looked like, for people reviewing a run.</summary>
    protected static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", $"{name}.png"), FullPage = true });
}
