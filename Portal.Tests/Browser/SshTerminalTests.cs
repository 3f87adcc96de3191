using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class SshTerminalTests(BrowserFixture browser, SshdFixture sshd) : BrowserTest(browser), IClassFixture<SshdFixture>
{
    public override Task InitializeAsync()
    {
        sshd.Configure(Portal);
        return base.InitializeAsync();
    }

    [ChromiumAndSshdFact]
    public async Task HolderTypesIntoAnSshTabAndItClosesWhenTheReservationEnds()
    {
        await Portal.CreateUserAsync("ssh-user@lab.test", "Ssh-Browser-Pass-1");
        var page = await NewPageAsync();
        await LogInAsync(page, "ssh-user@lab.test", "Ssh-Browser-Pass-1");
        await WaitUntilLiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Reserve rpi-02" }).ClickAsync();
        await Expect(page.GetByText("You hold rpi-02.")).ToBeVisibleAsync();

        await page.GotoAsync("boards/rpi-02/console");
        await WaitUntilLiveAsync(page); // the prerendered button does nothing until the circuit is up
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Serial" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New SSH tab" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "SSH" })).ToBeVisibleAsync();
        var terminal = page.Locator("[data-shell-terminal]");
        var screen = terminal.Locator(".xterm-rows");
        await Expect(terminal).ToHaveAttributeAsync("data-shell-state", "open", new() { Timeout = 20_000 });
        await Expect(screen).ToContainTextAsync($"[host key {sshd.HostKeyFingerprint} recorded on first use]");

        await terminal.Locator("[data-terminal]").ClickAsync();
        await page.Keyboard.TypeAsync("echo ssh-$((6*7))");
        await page.Keyboard.PressAsync("Enter");

        await Expect(screen).ToContainTextAsync(new Regex(@"echo ssh-\$\(\(6\*7\)\).*ssh-42"));
        await ScreenshotAsync(page, "ssh-terminal");

        var reservations = Portal.Services.GetRequiredService<ReservationService>();
        var holder = (await reservations.ListAsync(new ReservationFilter(Board: "rpi-02", ActiveOnly: true), CancellationToken.None)).Single();
        var user = new Actor(holder.UserId, "ssh-user@lab.test", IsAdmin: false);
        Assert.Null((await reservations.ReleaseAsync(user, holder.Id, CancellationToken.None)).Error);

        await Expect(screen).ToContainTextAsync("[session closed: reservation ended]");
        await Expect(terminal).ToHaveAttributeAsync("data-shell-state", "closed");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "New SSH tab" })).ToBeDisabledAsync();
        await ScreenshotAsync(page, "ssh-terminal-closed");
    }
}
