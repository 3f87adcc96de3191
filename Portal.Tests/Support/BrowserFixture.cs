using Microsoft.Playwright;

namespace Portal.Tests.Support;

/// <summary>Debian's Chromium, headless, driven by Playwright; never a downloaded browser.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath) && !IntegrationRequirement.Required)
        {
            return; // every test of the class skips
        }

        // What a page shows after a round trip through its circuit can take seconds when the suite's other servers
        // (QEMU, dockerd, PostgreSQL) load both cores; Playwright's 5 s default for assertions failed there.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchAsync(_playwright);
    }

    /// <summary>
    /// Puts a new browser in place of one that stopped answering (a context's close never returned), so the tests after
    /// it do not wait on it; the stuck one ends with Playwright's driver.
    /// </summary>
    public async Task ReplaceBrowserAsync() => Browser = await LaunchAsync(_playwright!);

    public async Task DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.DisposeAsync();
            _playwright.Dispose();
        }
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = ChromiumPath,
        Headless = true,
        // Without the networking flags Chromium keeps calling hosts this closed network refuses.
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
}
