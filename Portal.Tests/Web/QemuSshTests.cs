using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Consoles;
using Portal.Hardware;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>
/// The demo image's ssh server (dropbear on a virtio card) behind the board's <c>Power:SshPort</c>, which becomes the
/// board's Ssh endpoint: the portal's SSH terminal logs in with the shipped demo password and runs a command.
/// </summary>
public sealed class QemuSshTests
{
    [QemuFact]
    public async Task TheSshTabOfAQemuBoardReachesItsGuestThroughTheForwardedPort()
    {
        await using var portal = await QemuPortal.ConfigureAsync(new PortalFactory());
        _ = portal.Server;
        var user = await portal.CreateUserAsync("qemu-ssh@lab.test", "Qemu-Ssh-Pass-1");
        Assert.Null((await portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(user, "qemu-01", null, CancellationToken.None)).Error);
        await portal.Services.GetRequiredService<PowerService>().SwitchAsync(user, "qemu-01", PowerAction.On, CancellationToken.None);
        var ssh = portal.Services.GetRequiredService<SshTerminalService>();

        // The guest starts its ssh server a few seconds after power on, under TCG.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        SshOpened? opened = null;
        while (opened is null)
        {
            try
            {
                opened = await ssh.OpenAsync(user, "qemu-01", 80, 24, bound.Token);
            }
            catch (ShellSessionException) when (!bound.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), bound.Token);
            }
        }

        await using var session = opened.Session;
        await session.WriteAsync("echo guest-$(uname -r | cut -d- -f3)-$((6*7))\n"u8.ToArray(), bound.Token);
        var seen = new StringBuilder();
        var buffer = new byte[4096];
        while (!seen.ToString().Contains("guest-cloud-42", StringComparison.Ordinal))
        {
            var read = await session.ReadAsync(buffer, bound.Token);
            Assert.True(read > 0, $"The ssh session ended before the answer: {seen}");
            seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        Assert.StartsWith("[host key SHA256:", opened.Notice);
        Assert.Equal(
            $"127.0.0.1:{portal.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Portal.Lab.LabOptions>>().Value.Boards.Single(b => b.Name == "qemu-01").Ssh!.Port.ToString(CultureInfo.InvariantCulture)}",
            ssh.EndpointOf("qemu-01"));
    }
}
