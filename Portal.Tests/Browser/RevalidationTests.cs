using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Access;
using Portal.Data;
using Portal.Identity;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>Open pages (live circuits) follow an admin's changes to users, roles and groups, under the portal's CSP.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RevalidationTests : BrowserTest
{
    private const string Password = "Revalidate-Pass-1";

    // Longer than a page may take to open under a loaded suite: with 10 s, a page that took 9 s to become interactive
    // could reach its first revalidation, which signs the demoted user out, before the change's event had made it
    // read-only, and the "at once" checks below saw the log-in page instead.
    public RevalidationTests(BrowserFixture browser)
        : base(browser) =>
        Portal.WithSetting("Portal:Security:RevalidationInterval", "00:00:30");

    [ChromiumFact]
    public async Task RemovingAUserFromTheGroupThatGrantsConsoleWriteTurnsTheirOpenConsoleReadOnly()
    {
        var admin = await Portal.AdminAsync();
        var users = Portal.Services.GetRequiredService<UserAdminService>();
        var rules = Portal.Services.GetRequiredService<AccessRuleService>();
        Assert.True((await users.CreateGroupAsync(admin, "writers", CancellationToken.None)).Succeeded);
        Assert.True((await rules.CreateAsync(admin, new RuleInput(SubjectKind.Everyone, null, Capability.ConsoleWrite, TargetKind.All, null, RuleEffect.Deny), CancellationToken.None)).Succeeded);
        Assert.True((await rules.CreateAsync(admin, new RuleInput(SubjectKind.Group, "writers", Capability.ConsoleWrite, TargetKind.All, null, RuleEffect.Permit), CancellationToken.None)).Succeeded);
        Assert.True((await users.CreateAsync(admin, new NewUser("carol@lab.test", Password, IsAdmin: false, Groups: ["writers"]), CancellationToken.None)).Succeeded);
        var carol = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == "carol@lab.test");
        await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(new Actor(carol.Id, carol.Email, false), "rpi-02", null, CancellationToken.None);

        var page = await NewPageAsync();
        var violations = CspViolations(page);
        await LogInAsync(page, "carol@lab.test", Password);
        await page.GotoAsync("boards/rpi-02");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "rpi-02" })).ToBeVisibleAsync();
        await page.GotoAsync("boards/rpi-02/console");
        await Expect(page.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "interactive");
        await Expect(page.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await page.Locator("[data-terminal]").ClickAsync();
        await page.Keyboard.TypeAsync("echo typed-while-writer");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("[data-terminal] .xterm-rows")).ToContainTextAsync("typed-while-writer");

        Assert.True((await users.UpdateAsync(admin, carol.Id, isAdmin: false, [], CancellationToken.None)).Succeeded);

        await Expect(page.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "read-only");
        await Expect(page.Locator("[data-console-mode]")).ToContainTextAsync("you lack ConsoleWrite");

        // Log-in, the board page and a working xterm.js console, all under the Content-Security-Policy.
        Assert.Empty(violations);
    }

    [ChromiumFact]
    public async Task ADemotedAdminsOpenConsoleStopsTypingAtOnceAndTheirAdminPageEndsWithinTheInterval()
    {
        var admin = await Portal.AdminAsync();
        var users = Portal.Services.GetRequiredService<UserAdminService>();
        Assert.True((await users.CreateAsync(admin, new NewUser("boss@lab.test", Password, IsAdmin: true, Groups: []), CancellationToken.None)).Succeeded);
        var worker = await Portal.CreateUserAsync("worker@lab.test", Password);
        await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(worker, "rpi-02", null, CancellationToken.None);
        var bossId = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == "boss@lab.test").Id;

        var console = await NewPageAsync();
        await LogInAsync(console, "boss@lab.test", Password);
        var adminPage = await console.Context.NewPageAsync();
        await adminPage.GotoAsync("admin/users");
        await Expect(adminPage.GetByRole(AriaRole.Cell, new() { Name = "worker@lab.test", Exact = true })).ToBeVisibleAsync();
        await console.GotoAsync("boards/rpi-02/console");
        await Expect(console.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "interactive");

        Assert.True((await users.UpdateAsync(admin, bossId, isAdmin: false, [], CancellationToken.None)).Succeeded);

        await Expect(console.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "read-only");
        await Expect(console.Locator("[data-console-mode]")).ToContainTextAsync("only the holder types");
        await Expect(adminPage).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("Account/Login"), new() { Timeout = 60_000 });
    }

    [ChromiumFact]
    public async Task ADemotedAdminsOpenBoardPageStopsShowingAdminsDetailsAndPowerAtOnce()
    {
        var admin = await Portal.AdminAsync();
        var users = Portal.Services.GetRequiredService<UserAdminService>();
        Assert.True((await users.CreateAsync(admin, new NewUser("chief@lab.test", Password, IsAdmin: true, Groups: []), CancellationToken.None)).Succeeded);
        var worker = await Portal.CreateUserAsync("worker@lab.test", Password);
        await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(worker, "pine-01", null, CancellationToken.None);
        var chiefId = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == "chief@lab.test").Id;

        var page = await NewPageAsync();
        await LogInAsync(page, "chief@lab.test", Password);
        await page.GotoAsync("boards/pine-01");
        await WaitUntilLiveAsync(page);
        var rules = page.GetByRole(AriaRole.Heading, new() { Name = "Access rules touching pine-01" });
        var cycle = page.Locator("[data-panel=power]").GetByRole(AriaRole.Button, new() { Name = "Cycle" });
        await Expect(rules).ToBeVisibleAsync();
        await Expect(cycle).ToBeEnabledAsync();

        Assert.True((await users.UpdateAsync(admin, chiefId, isAdmin: false, [], CancellationToken.None)).Succeeded);

        // Well within the 10 s after which revalidation would sign the page out: the change itself reloads it.
        await Expect(rules).ToHaveCountAsync(0, new() { Timeout = 5_000 });
        await Expect(cycle).ToBeDisabledAsync(new() { Timeout = 5_000 });
    }

    [ChromiumFact]
    public async Task ADisabledUsersConsoleClosesAtOnceAndTheirBoardIsReleased()
    {
        var user = await Portal.CreateUserAsync("dave@lab.test", Password);
        var reservations = Portal.Services.GetRequiredService<ReservationLifecycle>();
        var queries = Portal.Services.GetRequiredService<ReservationQueries>();
        var queue = Portal.Services.GetRequiredService<ReservationQueue>();
        var held = (await reservations.ReserveBoardAsync(user, "rpi-02", null, CancellationToken.None)).Reservation!;
        var page = await NewPageAsync();
        await LogInAsync(page, "dave@lab.test", Password);
        await page.GotoAsync("boards/rpi-02/console");
        await Expect(page.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();

        Assert.True((await Portal.Services.GetRequiredService<UserAdminService>().SetDisabledAsync(await Portal.AdminAsync(), user.UserId, true, CancellationToken.None)).Succeeded);

        await Expect(page.Locator("[data-console-refused]")).ToContainTextAsync("the account is disabled");
        await Expect(page.Locator("[data-terminal]")).ToHaveCountAsync(0);
        Assert.Equal(ReservationState.Released, (await queries.GetAsync(held.Id, CancellationToken.None))!.State);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("Account/Login"), new() { Timeout = 60_000 });
    }

    /// <summary>What Chromium reports as blocked by the Content-Security-Policy, from now on.</summary>
    private static List<string> CspViolations(IPage page)
    {
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add(message.Text);
            }
        };
        return violations;
    }
}
