using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Consoles;
using Portal.Events;
using Portal.Hardware;
using Portal.Hardware.Qemu;
using Portal.Lab;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>The shipped demo lab's QEMU boards through the whole portal: offline with a reason, power, console, a crash, leftovers.</summary>
public sealed class QemuBoardTests
{
    private static readonly TimeSpan BootBound = TimeSpan.FromSeconds(60);

    [QemuFact]
    public async Task ABoardWhoseKernelIsMissingIsOfflineWithOneSentenceAndTheRestOfTheLabWorks()
    {
        await using var portal = await QemuPortal.StartAsync();
        var catalog = portal.Services.GetRequiredService<LabCatalog>();

        var missing = (await catalog.GetBoardAsync("qemu-02", CancellationToken.None))!;
        Assert.Equal(BoardState.Offline, missing.Board.State);
        Assert.Equal("kernel /nonexistent/vmlinuz not found", missing.OfflineReason);
        var power = await portal.Services.GetRequiredService<PowerService>().GetStateAsync("qemu-02", CancellationToken.None);
        Assert.Equal("kernel /nonexistent/vmlinuz not found", power.Error);

        Assert.Equal(BoardState.Free, (await catalog.GetBoardAsync("qemu-01", CancellationToken.None))!.Board.State);
        Assert.Equal(BoardState.Free, (await catalog.GetBoardAsync("pine-01", CancellationToken.None))!.Board.State);
    }

    [QemuFact]
    public async Task TheHolderPowersTheBoardOnWatchesItBootAndACrashShowsOffWithTheReasonLive()
    {
        var image = await QemuImage.GetAsync();
        await using var portal = await QemuPortal.StartAsync();
        var holder = await portal.CreateUserAsync("qemu-holder@lab.test", "Qemu-Board-Pass-1");
        await portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(holder, "qemu-01", null, CancellationToken.None);
        var screen = new OutputCollector();
        await using var watcher = portal.Services.GetRequiredService<ConsoleBroker>().Watch("qemu-01", data => screen.Deliver(data, acknowledge: true))!;
        screen.Watcher = watcher;
        var power = portal.Services.GetRequiredService<PowerService>();

        var on = await power.SwitchAsync(holder, "qemu-01", PowerAction.On, CancellationToken.None);
        Assert.Equal((PowerState.On, null), (on.State, on.Error));
        await screen.WaitForAsync(image.Marker, BootBound);

        using var heard = new LabEventLog(portal.Services.GetRequiredService<LabEvents>());
        var pidFile = Path.Combine(portal.DataDirectory, "qemu", "qemu-01", "qemu.pid");
        using (var qemu = Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture)))
        {
            qemu.Kill();
        }

        for (var i = 0; i < 300 && !heard.Events.OfType<PowerChanged>().Any(e => e is { Board: "qemu-01", State: PowerState.Off }); i++)
        {
            await Task.Delay(100);
        }

        Assert.Contains(new PowerChanged("qemu-01", PowerState.Off), heard.Events);
        var after = await power.GetStateAsync("qemu-01", CancellationToken.None);
        Assert.Equal((PowerState.Off, "qemu-system-x86_64 for qemu-01 was killed (signal 9)"), (after.State, after.Error));
    }

    [QemuFact]
    public async Task AQemuLeftRunningByAKilledPortalIsGoneOnceThePortalStartsAgain()
    {
        var image = await QemuImage.GetAsync();
        var state = Directory.CreateTempSubdirectory("portal-qemu-left-").FullName;
        try
        {
            // What a portal killed with SIGKILL leaves: a running QEMU and its pid file in the state folder.
            var left = new QemuLab(Options.Create(new QemuLabOptions { StateDirectory = state }), TimeProvider.System, NullLoggerFactory.Instance);
            var machine = left.Machine("qemu-01");
            await machine.StartAsync(left.Settings(new DriverSpec("qemu", new Dictionary<string, string?> { ["Kernel"] = image.Kernel, ["Initrd"] = image.Initrd })), CancellationToken.None);
            var pid = int.Parse(File.ReadAllText(machine.PidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);

            await using var portal = await QemuPortal.StartAsync(state);

            Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Length > 0, $"QEMU {pid} still runs");
            await left.DisposeAsync();
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
