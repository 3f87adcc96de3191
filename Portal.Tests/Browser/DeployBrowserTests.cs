using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>Upload a kernel and initramfs on the Artifacts page, Deploy & boot them on a QEMU board, watch the boot in xterm.js.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DeployBrowserTests(BrowserFixture browser) : BrowserTest(browser)
{
    public override async Task InitializeAsync()
    {
        await QemuPortal.ConfigureAsync(Portal);
        await base.InitializeAsync();
    }

    [QemuChromiumFact]
    public async Task UploadedFilesDeployedAndBootedShowTheirMarkerInTheConsole()
    {
        var image = await QemuImage.BuildAsync($"browser-{Guid.NewGuid():N}");
        var user = await Portal.CreateUserAsync("booter@lab.test", "Deploy-Pass-1");
        await Portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(user, "qemu-01", null, CancellationToken.None);
        var page = await NewPageAsync();
        await LogInAsync(page, "booter@lab.test", "Deploy-Pass-1");

        await page.GotoAsync("artifacts");
        await WaitUntilLiveAsync(page);
        await UploadAsync(page, "vmlinuz", image.Kernel);
        await UploadAsync(page, "initramfs", image.Initrd);
        await ScreenshotAsync(page, "artifacts");

        await page.GotoAsync("boards/qemu-01");
        await WaitUntilLiveAsync(page);
        await PickAsync(page, "kernel", "vmlinuz");
        await PickAsync(page, "initrd", "initramfs");
        await page.GetByRole(AriaRole.Button, new() { Name = "Deploy & boot" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("boards/qemu-01/console$"), new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-terminal] .xterm-rows")).ToContainTextAsync(image.Marker, new() { Timeout = 90_000 });
        await ScreenshotAsync(page, "deploy-and-boot");

        // The reservation keeps what was deployed during it.
        await page.GotoAsync("reservations");
        var deployment = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "kernel=vmlinuz sha256:" });
        await Expect(deployment).ToContainTextAsync("initrd=initramfs sha256:");
        await Expect(deployment).ToContainTextAsync("qemu-01");
        await Expect(deployment).ToContainTextAsync("deployed and booted");
    }

    private static async Task UploadAsync(IPage page, string name, string path)
    {
        await page.GetByLabel("Name").FillAsync(name);
        // MudFileUpload adds a fresh input after each pick; the last one takes the next file, once Blazor listens to it.
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('input[type=file]')].at(-1)?._blazorInputFileNextFileId !== undefined");
        await page.Locator("input[type=file]").Last.SetInputFilesAsync(path);
        await Expect(page.Locator($"[data-artifact='{name}']")).ToBeVisibleAsync(new() { Timeout = 60_000 });
    }

    private static async Task PickAsync(IPage page, string slot, string artifact)
    {
        await page.Locator($"[data-deploy-slot='{slot}']").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = $"{artifact} (" }).ClickAsync();
        await Expect(page.Locator($"[data-deploy-slot='{slot}']")).ToContainTextAsync($"{artifact} (");
    }
}
