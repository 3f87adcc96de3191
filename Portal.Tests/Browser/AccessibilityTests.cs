using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Access;
using Portal.Data;
using Portal.Identity;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>
/// axe-core on every page, as a user and as an admin, in light and dark mode: no violation of impact serious or
/// critical. The lab is not only the demo's: a board without power (bare-01) and a deny rule for the user.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser) : BrowserTest(browser)
{
    private const string UserEmail = "ada@lab.test";
    private const string UserPassword = "Axe-Pass-123";

    // Pages not in the navigation drawer; the drawer's own links are added to these.
    private static readonly string[] BoardPages =
        ["boards/pine-01", "boards/pine-01/console", "boards/rpi-01", "boards/bare-01", "boards/bare-01/console", "Account/Manage/ChangePassword"];

    // The pages people look at most, kept as screenshots of both modes for review.
    private static readonly Dictionary<string, string> Screenshots = new()
    {
        ["boards"] = "boards", ["boards/pine-01"] = "board", ["boards/pine-01/console"] = "console", ["admin/users"] = "users",
        ["admin/rules"] = "access-rules", ["admin/reservations"] = "all-reservations", ["tokens"] = "access-tokens",
        ["reservations/1/replay"] = "replay",
    };

    public override Task InitializeAsync()
    {
        LabWithABoardWithoutPower.Apply(Portal);
        return base.InitializeAsync();
    }

    [ChromiumFact]
    public async Task EveryPageHasNoSeriousOrCriticalViolationsForAUserAndAnAdminInLightAndDarkMode()
    {
        var ada = await Portal.CreateUserAsync(UserEmail, UserPassword);
        var reservations = Portal.Services.GetRequiredService<ReservationLifecycle>();
        var granted = await reservations.ReserveBoardAsync(ada, "pine-01", null, CancellationToken.None);
        Assert.Null(granted.Error);
        var replay = $"reservations/{granted.Reservation!.Id}/replay";
        var denied = await Portal.Services.GetRequiredService<AccessRuleService>().CreateAsync(
            await Portal.AdminAsync(), new RuleInput(SubjectKind.User, UserEmail, Capability.Instantiate, TargetKind.Board, "rpi-01", RuleEffect.Deny), CancellationToken.None);
        Assert.True(denied.Succeeded, denied.Error);

        var findings = new List<string>();
        var loggedOut = await NewPageAsync();
        await loggedOut.GotoAsync("Account/Login");
        findings.AddRange((await Axe.SeriousViolationsAsync(loggedOut)).Select(v => $"logged out, Account/Login: {v}"));
        await ScreenshotAsync(loggedOut, "login");

        foreach (var (who, email, password) in new[] { ("user", UserEmail, UserPassword), ("admin", PortalFactory.AdminEmail, PortalFactory.AdminPassword) })
        {
            foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
            {
                var page = await NewPageAsync(scheme);
                await LogInAsync(page, email, password);
                await WaitUntilLiveAsync(page);
                var pages = (await NavigationLinksAsync(page)).Concat(BoardPages).Append(replay).Distinct().ToList();
                Assert.Contains("boards", pages);
                Assert.Equal(who == "admin", pages.Contains("admin/reservations"));
                foreach (var path in pages)
                {
                    await OpenAsync(page, path, scheme);
                    findings.AddRange((await Axe.SeriousViolationsAsync(page)).Select(v => $"{who}, {scheme}, {path}: {v}"));
                    if (Screenshots.TryGetValue(path, out var name) && (who == "admin" || !path.StartsWith("admin/", StringComparison.Ordinal)))
                    {
                        await ScreenshotAsync(page, $"{name}-{who}-{scheme.ToString().ToLowerInvariant()}");
                    }
                }
            }
        }

        Assert.True(findings.Count == 0, $"{findings.Count} page-and-rule findings:\n{string.Join("\n", findings)}");
    }

    /// <summary>Every page the drawer links to, as the signed-in person sees them.</summary>
    private static async Task<IReadOnlyList<string>> NavigationLinksAsync(IPage page) =>
        await page.Locator(".mud-drawer a[href]").EvaluateAllAsync<string[]>(
            "links => links.map(a => new URL(a.href).pathname.replace(/^\\//, '')).filter(p => p.length > 0)");

    /// <summary>Opens the page and waits until it has loaded (and, for live pages, taken the system's colour mode).</summary>
    private static async Task OpenAsync(IPage page, string path, ColorScheme scheme)
    {
        await page.GotoAsync(path);
        if (path.StartsWith("Account/", StringComparison.Ordinal))
        {
            return; // rendered on the server without a circuit
        }

        await WaitUntilLiveAsync(page);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }))
            .ToHaveAttributeAsync("aria-pressed", scheme == ColorScheme.Dark ? "true" : "false");
        await Expect(page.Locator(".mud-progress-indeterminate, .mud-table-loading")).ToHaveCountAsync(0);
    }
}
