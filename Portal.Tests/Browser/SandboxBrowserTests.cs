using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Access;
using Portal.Data;
using Portal.Sandboxes;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class SandboxBrowserTests : BrowserTest
{
    public SandboxBrowserTests(BrowserFixture browser)
        : base(browser)
    {
        Portal.WithSetting("Lab:Containers:StopGrace", "00:00:00");
    }

    [DockerBrowserFact]
    public async Task AHolderLaunchesASandboxWatchesItBecomeReadyWorksInItAndReleaseEndsIt()
    {
        await AssignTestImageAsync();
        await Portal.CreateUserAsync("alice@lab.test", "Sandbox-Pass-1");
        await Portal.CreateUserAsync("bob@lab.test", "Sandbox-Pass-1");
        var alice = await NewPageAsync();
        var bob = await NewPageAsync();
        await LogInAsync(alice, "alice@lab.test", "Sandbox-Pass-1");
        await LogInAsync(bob, "bob@lab.test", "Sandbox-Pass-1");
        await alice.GotoAsync("boards/pine-01");
        await bob.GotoAsync("boards/pine-01");
        await WaitUntilLiveAsync(alice);
        await WaitUntilLiveAsync(bob);

        await alice.GetByRole(AriaRole.Button, new() { Name = "Reserve" }).ClickAsync();
        await alice.GetByRole(AriaRole.Button, new() { Name = "Launch sandbox" }).ClickAsync();

        // Both pages follow the sandbox without reload.
        await Expect(alice.Locator("[data-sandbox-status]")).ToHaveAttributeAsync("data-sandbox-status", "READY");
        await Expect(bob.Locator("[data-sandbox-status]")).ToHaveAttributeAsync("data-sandbox-status", "READY");
        await Expect(alice.Locator("[data-panel=sandbox]")).ToContainTextAsync(DockerEngine.TestImage);
        await ScreenshotAsync(alice, "sandbox-ready");

        // A terminal in the sandbox, beside the serial console.
        await alice.GetByRole(AriaRole.Link, new() { Name = "Open terminal" }).ClickAsync();
        await WaitUntilLiveAsync(alice);
        await alice.GetByRole(AriaRole.Button, new() { Name = "New sandbox tab" }).ClickAsync();
        var terminal = alice.Locator("[data-shell-terminal]");
        var screen = terminal.Locator(".xterm-rows");
        await Expect(terminal).ToHaveAttributeAsync("data-shell-state", "open");
        await terminal.Locator("[data-terminal]").ClickAsync();
        await alice.Keyboard.TypeAsync("echo sandbox-ok");
        await alice.Keyboard.PressAsync("Enter");
        await Expect(screen).ToContainTextAsync(new Regex("echo sandbox-ok.*sandbox-ok"));
        await ScreenshotAsync(alice, "sandbox-terminal");

        // A rule that takes the Sandbox capability away closes the open tab at once, saying why.
        var denied = await Portal.Services.GetRequiredService<AccessRuleService>().CreateAsync(
            await Portal.AdminAsync(),
            new RuleInput(SubjectKind.User, "alice@lab.test", Capability.Sandbox, TargetKind.Board, "pine-01", RuleEffect.Deny),
            CancellationToken.None);
        Assert.True(denied.Succeeded, denied.Error);
        await Expect(terminal).ToHaveAttributeAsync("data-shell-state", "closed");
        await Expect(screen).ToContainTextAsync("[session closed: you lack the Sandbox capability on board pine-01 (");

        await alice.GotoAsync("boards/pine-01");
        await WaitUntilLiveAsync(alice);
        await alice.GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();

        await Expect(alice.Locator("[data-sandbox-status]")).ToHaveAttributeAsync("data-sandbox-status", "TERMINATED");
        await Expect(bob.Locator("[data-sandbox-status]")).ToHaveAttributeAsync("data-sandbox-status", "TERMINATED");
        Assert.Empty(await DockerEngine.ContainersOfAsync(Portal.ContainerOwner));
    }

    private Task AssignTestImageAsync() => AssignTestImageAsync(Portal);

    internal static async Task AssignTestImageAsync(PortalFactory portal)
    {
        var images = portal.Services.GetRequiredService<SandboxImageService>();
        Assert.Null(await images.AssignAsync(await portal.AdminAsync(), "pine64-a64-lts", DockerEngine.TestImage, "/bin/sh", isDefault: true, CancellationToken.None));
    }
}

/// <summary>The portal pointed at an engine socket that does not exist.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SandboxEngineDownBrowserTests : BrowserTest
{
    private readonly string _missingEngine = $"/tmp/portal-no-engine-{Guid.NewGuid():N}.sock";

    public SandboxEngineDownBrowserTests(BrowserFixture browser)
        : base(browser)
    {
        Portal.WithSetting("Lab:Containers:Endpoint", $"unix://{_missingEngine}");
    }

    [DockerBrowserFact]
    public async Task AnEngineThatIsNotThereIsNamedOnTheBoardPageAndTheBoardsPageStillWorks()
    {
        var page = await NewPageAsync();
        await LogInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await SandboxBrowserTests.AssignTestImageAsync(Portal);
        await page.GotoAsync("boards/pine-02");
        await WaitUntilLiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Reserve" }).ClickAsync();

        await Expect(page.Locator("[data-sandbox-engine]")).ToHaveTextAsync($"Docker engine at unix://{_missingEngine} is not reachable");
        await page.GetByRole(AriaRole.Button, new() { Name = "Launch sandbox" }).ClickAsync();
        await Expect(page.Locator("[data-sandbox-error]")).ToHaveTextAsync($"Docker engine at unix://{_missingEngine} is not reachable");
        await Expect(page.Locator("[data-sandbox-status]")).ToHaveAttributeAsync("data-sandbox-status", "FAILED");
        await ScreenshotAsync(page, "sandbox-engine-down");

        await page.GetByRole(AriaRole.Link, new() { Name = "Boards" }).First.ClickAsync();
        await Expect(page.Locator("[data-board='pine-01']")).ToBeVisibleAsync();
    }
}
