using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Consoles;
using Portal.Reservations;
using Portal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Browser;

/// <summary>A reservation's console replayed in the browser from its asciinema recording.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ReplayTests(BrowserFixture browser) : BrowserTest(browser)
{
    [ChromiumFact]
    public async Task TheHolderReplaysTheRecordedConsoleFromTheReservationListAndSeeksThroughIt()
    {
        var holder = await Portal.CreateUserAsync("replayer@lab.test", "Replay-Pass-1");
        await Portal.CreateUserAsync("stranger@lab.test", "Replay-Pass-1");
        var lifecycle = Portal.Services.GetRequiredService<ReservationLifecycle>();
        var id = (await lifecycle.ReserveBoardAsync(holder, "pine-01", null, CancellationToken.None)).Reservation!.Id;
        var cast = Portal.Services.GetRequiredService<ConsoleRecorder>().CastPath(id);
        await using (var watcher = Portal.Services.GetRequiredService<ConsoleBroker>().Watch("pine-01", _ => Task.CompletedTask)!)
        {
            // Printed a while into the reservation, so the recording's start shows an empty screen.
            await Task.Delay(1500);
            await watcher.WriteAsync("echo replayed-text\r"u8.ToArray(), CancellationToken.None);
            await PtyPair.WaitUntilAsync(() => File.Exists(cast) && SharedFile.ReadAllText(cast).Contains("replayed-text\\r\\n", StringComparison.Ordinal), "the echo in the recording");
        }

        await lifecycle.ReleaseAsync(holder, id, CancellationToken.None);
        var page = await NewPageAsync();
        await LogInAsync(page, "replayer@lab.test", "Replay-Pass-1");
        await page.GotoAsync("reservations");
        await WaitUntilLiveAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = $"Replay the console of reservation {id}" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Replay: pine-01, reservation {id}" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        var screen = page.Locator("[data-terminal] .xterm-rows");
        // MudBlazor's toggle group offers the speeds as checkboxes of which one is checked.
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "16×" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Checkbox, new() { Name = "16×" })).ToBeCheckedAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Play" }).ClickAsync();

        await Expect(screen).ToContainTextAsync("replayed-text", new() { Timeout = 30_000 });
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Play" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await ScreenshotAsync(page, "replay");

        // The seek bar: back to the start clears the screen, to the end shows everything again.
        var seekBar = page.GetByRole(AriaRole.Slider);
        await seekBar.FocusAsync();
        await seekBar.PressAsync("Home");
        await Expect(page.Locator("[data-replay-position]")).ToHaveTextAsync(new Regex("^0:00 / 0:01$"));
        await Expect(screen).Not.ToContainTextAsync("replayed-text");
        await seekBar.PressAsync("End");
        await Expect(screen).ToContainTextAsync("replayed-text");

        var stranger = await NewPageAsync();
        await LogInAsync(stranger, "stranger@lab.test", "Replay-Pass-1");
        await stranger.GotoAsync($"reservations/{id}/replay");
        await Expect(stranger.GetByRole(AriaRole.Alert)).ToContainTextAsync($"Reservation {id} does not exist or its console recording is not yours to see.");
        await Expect(stranger.Locator("[data-terminal]")).ToHaveCountAsync(0);
    }
}
