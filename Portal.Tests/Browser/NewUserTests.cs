using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Access;
using Portal.Data;
using Portal.Reservations;
using Portal.Sandboxes;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>What a new user meets on a lab unlike the demo: a board without power, deny rules, the log-in page.</summary>
[Collection(BrowserCollection.Name)]
public sealed class NewUserTests(BrowserFixture browser) : BrowserTest(browser)
{
    private const string Password = "New-User-Pass-1";

    public override Task InitializeAsync()
    {
        LabWithABoardWithoutPower.Apply(Portal);
        return base.InitializeAsync();
    }

    [ChromiumFact]
    public async Task ABoardWithoutPowerHasNoPowerPanelOnItsBoardPageNorOnItsConsolePage()
    {
        var page = await NewPageAsync();
        await LogInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        foreach (var path in new[] { "boards/bare-01", "boards/bare-01/console" })
        {
            await page.GotoAsync(path);
            await WaitUntilLiveAsync(page);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("bare-01");
            await Expect(page.Locator("[data-panel=power]")).ToHaveCountAsync(0);
            await Expect(page.GetByText("has no power control")).ToHaveCountAsync(0);
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cycle" })).ToHaveCountAsync(0);
        }

        // A board with power still has its panel there.
        await page.GotoAsync("boards/pine-01/console");
        await Expect(page.Locator("[data-panel=power]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-power]")).ToHaveAttributeAsync("data-power", "on");
    }

    [ChromiumFact]
    public async Task WhatTheRulesRefuseIsShownDisabledWithTheReasonInItsTooltip()
    {
        var admin = await Portal.AdminAsync();
        var denied = await Portal.CreateUserAsync("denied@lab.test", Password);
        var holder = await Portal.CreateUserAsync("holder@lab.test", Password);
        var rules = Portal.Services.GetRequiredService<AccessRuleService>();
        foreach (var (capability, board) in new[] { (Capability.Instantiate, "rpi-01"), (Capability.Sandbox, "pine-02") })
        {
            var rule = await rules.CreateAsync(admin, new RuleInput(SubjectKind.User, denied.Email, capability, TargetKind.Board, board, RuleEffect.Deny), CancellationToken.None);
            Assert.True(rule.Succeeded, rule.Error);
        }

        var reservations = Portal.Services.GetRequiredService<ReservationLifecycle>();
        Assert.Null((await reservations.ReserveBoardAsync(holder, "pine-01", null, CancellationToken.None)).Error);
        Assert.Null((await reservations.ReserveBoardAsync(holder, "rpi-02", null, CancellationToken.None)).Error);
        Assert.Null((await reservations.ReserveBoardAsync(denied, "pine-02", null, CancellationToken.None)).Error);
        Assert.Null(await Portal.Services.GetRequiredService<SandboxImageService>().AssignAsync(admin, "pine64-a64-lts", "portal-sandbox:test", "/bin/sh", true, CancellationToken.None));

        var page = await NewPageAsync();
        await LogInAsync(page, denied.Email, Password);
        await WaitUntilLiveAsync(page);

        // Reserve: refused on rpi-01 by the deny rule, offered on bare-01.
        await ExpectRefusedAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Reserve rpi-01" }), "You lack the Instantiate capability on board rpi-01 (#6 Deny Instantiate to user denied@lab.test on board rpi-01).");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Reserve bare-01" })).ToBeEnabledAsync();
        await page.GotoAsync("boards/rpi-01");
        await WaitUntilLiveAsync(page);
        await ExpectRefusedAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Reserve", Exact = true }), "You lack the Instantiate capability on board rpi-01");

        // Power and console of a board someone else holds: switching refused, the console only watched.
        await page.GotoAsync("boards/pine-01");
        await WaitUntilLiveAsync(page);
        await ExpectRefusedAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Cycle" }), "Only the holder of pine-01 or an admin may switch its power.");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Open console" })).ToHaveCountAsync(0);
        var watch = page.GetByRole(AriaRole.Link, new() { Name = "Watch console" });
        await watch.HoverAsync();
        await Expect(Tooltip(page)).ToContainTextAsync("Read-only: only the holder types");

        // Launching a sandbox on the user's own board, where the rules deny Sandbox.
        await page.GotoAsync("boards/pine-02");
        await WaitUntilLiveAsync(page);
        await ExpectRefusedAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Launch sandbox" }), "You lack the Sandbox capability on board pine-02");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Open console" })).ToBeVisibleAsync();

        // SSH on a board someone else holds.
        await page.GotoAsync("boards/rpi-02/console");
        await WaitUntilLiveAsync(page);
        await ExpectRefusedAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "New SSH tab" }), "only the holder of rpi-02 or an admin may open SSH");
    }

    [ChromiumFact]
    public async Task TheLogInPageStandsAloneAndTheDrawerComesWithSigningIn()
    {
        var page = await NewPageAsync();

        await page.GotoAsync("Account/Login");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
        await Expect(page.Locator(".mud-drawer")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Navigation)).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Banner).GetByRole(AriaRole.Link, new() { Name = "Log in" })).ToHaveCountAsync(0);

        await LogInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        await Expect(page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Boards" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" })).ToBeVisibleAsync();
    }

    /// <summary>
    /// The button is there, disabled, and hovering it tells why, as a person would find out: the reason is the title
    /// of the box around it, which the browser shows as its tooltip (headless Chromium draws none to look for).
    /// </summary>
    private static async Task ExpectRefusedAsync(IPage page, ILocator button, string reason)
    {
        await Expect(button).ToBeDisabledAsync();
        var box = page.Locator("[data-refusal]").Filter(new() { Has = button });
        await Expect(box).ToHaveAttributeAsync("title", new Regex(Regex.Escape(reason)));
        Assert.True(await box.EvaluateAsync<bool>("box => { const r = box.getBoundingClientRect(); return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)?.closest('[title]') === box; }"),
            "hovering the refused button does not reach the box that carries its reason");
    }

    private static ILocator Tooltip(IPage page) => page.Locator(".mud-popover-open.mud-tooltip");
}
