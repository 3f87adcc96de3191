using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Consoles;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

public sealed class ConsoleLogTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task AReservationsConsoleTrafficIsKeptForItsHolderToDownload()
    {
        var holder = await portal.CreateUserAsync("recorded@lab.test", "Recorded-Pass-1");
        await portal.CreateUserAsync("nosy@lab.test", "Recorded-Pass-1");
        var reservations = portal.Services.GetRequiredService<ReservationLifecycle>();
        var granted = await reservations.ReserveBoardAsync(holder, "rpi-02", null, CancellationToken.None);
        var id = granted.Reservation!.Id;
        await using (var watcher = portal.Services.GetRequiredService<ConsoleBroker>().Watch("rpi-02", _ => Task.CompletedTask)!)
        {
            await watcher.WriteAsync("echo recorded-for-later\r"u8.ToArray(), CancellationToken.None);
            var log = portal.Services.GetRequiredService<ConsoleRecorder>().LogPath(id);
            await PtyPair.WaitUntilAsync(() => File.Exists(log) && SharedFile.ReadAllText(log).Contains("recorded-for-later\r\nroot@rpi-02", StringComparison.Ordinal), "the recorded echo");
        }

        await reservations.ReleaseAsync(holder, id, CancellationToken.None);
        var mine = await portal.LoggedInClientAsync("recorded@lab.test", "Recorded-Pass-1");
        var theirs = await portal.LoggedInClientAsync("nosy@lab.test", "Recorded-Pass-1");

        var download = await mine.GetAsync($"/reservations/{id}/console.log");
        var refused = await theirs.GetAsync($"/reservations/{id}/console.log");

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal($"rpi-02-reservation-{id}.log", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName);
        Assert.Contains("echo recorded-for-later\r\nrecorded-for-later\r\n", await download.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task AReservationsConsoleIsAlsoKeptWithItsTimingAsAnAsciicastV2Recording()
    {
        var holder = await portal.CreateUserAsync("cast@lab.test", "Recorded-Pass-1");
        await portal.CreateUserAsync("cast-nosy@lab.test", "Recorded-Pass-1");
        var reservations = portal.Services.GetRequiredService<ReservationLifecycle>();
        var granted = await reservations.ReserveBoardAsync(holder, "pine-02", null, CancellationToken.None);
        var id = granted.Reservation!.Id;
        var cast = portal.Services.GetRequiredService<ConsoleRecorder>().CastPath(id);
        await using (var watcher = portal.Services.GetRequiredService<ConsoleBroker>().Watch("pine-02", _ => Task.CompletedTask)!)
        {
            await watcher.WriteAsync("echo first-line\r"u8.ToArray(), CancellationToken.None);
            await PtyPair.WaitUntilAsync(() => File.Exists(cast) && SharedFile.ReadAllText(cast).Contains("first-line\\r\\n", StringComparison.Ordinal), "the first echo in the .cast");
            await Task.Delay(300);
            await watcher.WriteAsync("echo second-line\r"u8.ToArray(), CancellationToken.None);
            await PtyPair.WaitUntilAsync(() => SharedFile.ReadAllText(cast).Contains("second-line\\r\\n", StringComparison.Ordinal), "the second echo in the .cast");
        }

        await reservations.ReleaseAsync(holder, id, CancellationToken.None);
        var mine = await portal.LoggedInClientAsync("cast@lab.test", "Recorded-Pass-1");
        var theirs = await portal.LoggedInClientAsync("cast-nosy@lab.test", "Recorded-Pass-1");

        var download = await mine.GetAsync($"/reservations/{id}/console.cast");
        var refused = await theirs.GetAsync($"/reservations/{id}/console.cast");

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/x-asciicast", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"pine-02-reservation-{id}.cast", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        var recording = Asciicast.Parse(await download.Content.ReadAsStringAsync());
        Assert.Equal(AsciicastWriter.Width, recording.Width);
        Assert.Equal(AsciicastWriter.Height, recording.Height);
        Assert.InRange(recording.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow);
        var output = string.Concat(recording.Events.Select(e => e.Data));
        Assert.Contains("echo first-line\r\nfirst-line\r\n", output);
        Assert.Contains("echo second-line\r\nsecond-line\r\n", output);
        // The pause between the two commands is in the timing.
        var first = recording.Events.First(e => e.Data.Contains("first-line\r\n", StringComparison.Ordinal)).Time;
        var second = recording.Events.First(e => e.Data.Contains("second-line", StringComparison.Ordinal)).Time;
        Assert.True(second - first >= 0.25, $"second output at {second} s, first at {first} s");
    }
}
