using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>Actions that take a while say so while they run, and cannot be pressed twice meanwhile.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LongActionTests(BrowserFixture browser) : BrowserTest(browser)
{
    private const string Password = "Long-Action-Pass-1";

    public override Task InitializeAsync()
    {
        // A setup script as slow as a real one that builds a jail: three seconds on reserve and on release.
        var script = Path.Combine(Portal.DataDirectory, "slow-setup.sh");
        File.WriteAllText(script, "#!/bin/sh\nsleep 3\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Portal.WithSetting("Lab:SetupScript", script);
        return base.InitializeAsync();
    }

    [ChromiumFact]
    public async Task ReserveAndReleaseWithASlowSetupScriptShowProgressAndAreNotOfferedTwice()
    {
        await Portal.CreateUserAsync("slow@lab.test", Password);
        var page = await NewPageAsync();
        await LogInAsync(page, "slow@lab.test", Password);
        await page.GotoAsync("boards/pine-02");
        await WaitUntilLiveAsync(page);
        var panel = page.Locator("[data-panel=reservation]");

        await panel.GetByRole(AriaRole.Button, new() { Name = "Reserve" }).ClickAsync();

        await Expect(panel.GetByRole(AriaRole.Progressbar)).ToBeVisibleAsync();
        await Expect(panel.GetByRole(AriaRole.Button, new() { Name = "Reserve" }).And(page.Locator(":enabled"))).ToHaveCountAsync(0);
        await Expect(panel).ToContainTextAsync("Held by you", new() { Timeout = 20_000 });
        await Expect(panel.GetByRole(AriaRole.Progressbar)).ToHaveCountAsync(0, new() { Timeout = 20_000 });

        await panel.GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();

        await Expect(panel.GetByRole(AriaRole.Progressbar)).ToBeVisibleAsync();
        await Expect(panel.GetByRole(AriaRole.Button, new() { Name = "Release" }).And(page.Locator(":enabled"))).ToHaveCountAsync(0);
        await ScreenshotAsync(page, "board-releasing");
        await Expect(panel).ToContainTextAsync("Free.", new() { Timeout = 20_000 });
    }

    [ChromiumFact]
    public async Task AnSshTabSaysWhereItConnectsWhileItConnects()
    {
        var user = await Portal.CreateUserAsync("ssh-wait@lab.test", Password);
        var reserved = await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(user, "rpi-02", null, CancellationToken.None);
        Assert.Null(reserved.Error);
        var page = await NewPageAsync();
        await LogInAsync(page, "ssh-wait@lab.test", Password);
        await page.GotoAsync("boards/rpi-02/console");
        await WaitUntilLiveAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "New SSH tab" }).ClickAsync(new() { Timeout = 30_000 });

        // The demo's rpi-02 points SSH at 192.0.2.12 (TEST-NET-1), which never answers.
        await Expect(page.Locator("[data-shell-terminal] .xterm-rows")).ToContainTextAsync("[connecting to 192.0.2.12:22…]");
    }

    [DockerBrowserFact]
    public async Task AnImagePullThatHangsIsCancelled()
    {
        // A registry that accepts connections and never answers: the engine's pull waits on it.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await silent.AcceptTcpClientAsync());
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The test is over.
            }
        });
        var reference = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/stalled/image:1";
        var page = await NewPageAsync();
        await LogInAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await page.GotoAsync("admin/images");
        await WaitUntilLiveAsync(page);
        var pull = page.Locator("[data-panel=pull]");

        await pull.GetByLabel("Image reference").FillAsync(reference);
        await pull.GetByRole(AriaRole.Button, new() { Name = "Pull" }).ClickAsync();
        await Expect(pull.GetByRole(AriaRole.Button, new() { Name = "Pull" })).ToBeDisabledAsync();
        await pull.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await Expect(pull.Locator("[data-pull-status]")).ToHaveTextAsync($"Pull of {reference} cancelled.");
        await Expect(pull.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToHaveCountAsync(0);
        await Expect(pull.GetByRole(AriaRole.Button, new() { Name = "Pull" })).ToBeEnabledAsync();
        await Expect(pull.Locator("[data-pull-error]")).ToHaveCountAsync(0);

        silent.Stop();
        await accepting;
        held.ForEach(client => client.Dispose());
    }
}
