using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Health;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>
/// A health check of a QEMU board under TCG whose own settings do not boot (an empty initrd): the check deploys the
/// known-good kernel and initrd, powers it on, sees its boot on the console, then runs a command over its ssh.
/// </summary>
public sealed class QemuHealthCheckTests
{
    [QemuFact]
    public async Task ACheckDeploysAKnownGoodBuildBootsItWatchesTheConsoleAndRunsACommandOverSsh()
    {
        var image = await QemuImage.GetAsync();
        await using var portal = await QemuPortal.ConfigureAsync(new PortalFactory());
        var emptyInitrd = Path.Combine(portal.DataDirectory, "empty-initrd.img");
        await File.WriteAllBytesAsync(emptyInitrd, []);
        portal.WithSetting("Lab:Boards:4:Power:Initrd", emptyInitrd)
            .WithSetting("Lab:Boards:4:HealthCheck:Steps:0:Deploy:kernel", image.Kernel)
            .WithSetting("Lab:Boards:4:HealthCheck:Steps:0:Deploy:initrd", image.Initrd)
            .WithSetting("Lab:Boards:4:HealthCheck:Steps:0:Append", "console=ttyS0")
            .WithSetting("Lab:Boards:4:HealthCheck:Steps:1:Power", "on")
            .WithSetting("Lab:Boards:4:HealthCheck:Steps:2:Expect", "ssh: dropbear on 10.0.2.15:22")
            .WithSetting("Lab:Boards:4:HealthCheck:Steps:2:Timeout", "00:02:00")
            .WithSetting("Lab:Boards:4:HealthCheck:Steps:3:Ssh", "echo guest-$(uname -r | cut -d- -f3)-$((6*7))")
            .WithSetting("Lab:Boards:4:HealthCheck:Steps:3:Expect", "^guest-cloud-42$")
            .WithSetting("Lab:Boards:4:HealthCheck:Steps:3:Timeout", "00:01:00");
        _ = portal.Server;
        var health = portal.Services.GetRequiredService<BoardHealthService>();

        Assert.Null(await health.RequestCheckAsync(await portal.AdminAsync(), "qemu-01", CancellationToken.None));
        var deadline = DateTime.UtcNow.AddMinutes(4);
        BoardHealthView? done;
        while ((done = await health.GetAsync("qemu-01", CancellationToken.None))?.LastCheck is not { Outcome: not HealthCheckOutcome.Running })
        {
            Assert.True(DateTime.UtcNow < deadline, "The check of qemu-01 did not end within 4 minutes.");
            await Task.Delay(200);
        }

        var check = done!.LastCheck!;
        Assert.True(check.Outcome == HealthCheckOutcome.Passed, check.Log);
        Assert.Equal(BoardHealth.Good, done.Health);
        Assert.Contains("kernel: vmlinuz set for the next boot of qemu-01", check.Log);
        Assert.Contains("initrd: initrd.img set for the next boot of qemu-01", check.Log);
        Assert.Matches(@"step 1: deploy (kernel|initrd)=.*: ok", check.Log);
        Assert.Contains("Portal demo board: Linux", check.Log);
        Assert.Contains("exited 0: guest-cloud-42", check.Log);
    }
}
