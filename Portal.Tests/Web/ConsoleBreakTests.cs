using Microsoft.Extensions.DependencyInjection;
using Portal.Audit;
using Portal.Consoles;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>"Send break" through the whole portal: the same right as typing, decided on the server, and audited.</summary>
public sealed class ConsoleBreakTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task TheHoldersBreakReachesTheBoardAndIsAudited()
    {
        var holder = await portal.CreateUserAsync("breaker@lab.test", "Breaker-Pass-1");
        var reservation = (await portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(holder, "pine-02", null, CancellationToken.None)).Reservation!;
        var screen = new OutputCollector();
        await using var watcher = Watch("pine-02", screen);

        var error = await portal.Services.GetRequiredService<ConsoleBreakService>().SendAsync(holder, watcher, CancellationToken.None);

        Assert.Null(error);
        await screen.WaitForAsync("[break]\r\nroot@pine-02:~# ");
        var entry = Assert.Single(await portal.Services.GetRequiredService<AuditLog>().ListAsync("pine-02", 50, CancellationToken.None), a => a.Action == ConsoleBreakService.AuditAction);
        Assert.Equal(("breaker@lab.test", reservation.Id), (entry.Actor, entry.ReservationId));
    }

    [Fact]
    public async Task AReadOnlyWatchersBreakIsRefusedAndNeverReachesTheBoard()
    {
        var holder = await portal.CreateUserAsync("owner@lab.test", "Breaker-Pass-1");
        var onlooker = await portal.CreateUserAsync("onlooker@lab.test", "Breaker-Pass-1");
        await portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(holder, "pine-01", null, CancellationToken.None);
        var screen = new OutputCollector();
        await using var watcher = Watch("pine-01", screen);

        var error = await portal.Services.GetRequiredService<ConsoleBreakService>().SendAsync(onlooker, watcher, CancellationToken.None);

        Assert.Equal("Only the holder of pine-01 or an admin may send a break.", error);
        // Whatever the board printed in reply to the refused break would come before this echo.
        await watcher.WriteAsync("echo still-here\r"u8.ToArray(), CancellationToken.None);
        await screen.WaitForAsync("still-here\r\nroot@pine-01:~# ");
        Assert.DoesNotContain("[break]", screen.Text);
        Assert.DoesNotContain(await portal.Services.GetRequiredService<AuditLog>().ListAsync("pine-01", 50, CancellationToken.None), a => a.Action == ConsoleBreakService.AuditAction);
    }

    private ConsoleWatcher Watch(string board, OutputCollector screen)
    {
        var watcher = portal.Services.GetRequiredService<ConsoleBroker>().Watch(board, data => screen.Deliver(data, acknowledge: true))!;
        screen.Watcher = watcher;
        return watcher;
    }
}
