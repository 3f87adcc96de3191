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
            await PtyPair.WaitUntilAsync(() => File.Exists(log) && ReadShared(log).Contains("recorded-for-later\r\nroot@rpi-02", StringComparison.Ordinal), "the recorded echo");
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

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }
}
