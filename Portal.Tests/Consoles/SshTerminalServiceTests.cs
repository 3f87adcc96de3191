using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Audit;
using Portal.Consoles;
using Portal.Data;
using Portal.Hardware;
using Portal.Identity;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Consoles;

/// <summary>SSH terminals through the whole portal to a real sshd: who may open one, and host keys trusted on first use.</summary>
public sealed class SshTerminalServiceTests(SshdFixture sshd) : IClassFixture<SshdFixture>, IAsyncLifetime
{
    private const string Board = "rpi-02";
    private PortalFactory _portal = null!;
    private SshTerminalService _ssh = null!;
    private Actor _holder = null!;
    private Actor _admin = null!;

    public async Task InitializeAsync()
    {
        _portal = new PortalFactory();
        if (SshdFixture.Available || IntegrationRequirement.Required)
        {
            sshd.Configure(_portal);
        }

        _ssh = _portal.Services.GetRequiredService<SshTerminalService>();
        _holder = await _portal.CreateUserAsync("ssh-holder@lab.test", "Ssh-Holder-Pass-1");
        var adminId = (await _portal.Services.GetRequiredService<UserAdminService>().ListAsync(CancellationToken.None)).Single(u => u.Email == PortalFactory.AdminEmail).Id;
        _admin = new Actor(adminId, PortalFactory.AdminEmail, IsAdmin: true);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [SshdFact]
    public async Task HostKeyIsRecordedOnFirstUseRefusedWhenChangedAndTrustedAgainOnceAnAdminAccepts()
    {
        await ReserveAsync(_holder);
        var first = sshd.HostKeyFingerprint;

        var opened = await _ssh.OpenAsync(_holder, Board, 80, 24, CancellationToken.None);
        await using (opened.Session)
        {
            Assert.Equal($"[host key {first} recorded on first use]", opened.Notice);
            await RunAsync(opened.Session, "echo first-$((6*7))", "first-42");
        }

        var again = await _ssh.OpenAsync(_holder, Board, 80, 24, CancellationToken.None);
        await using (again.Session)
        {
            Assert.Null(again.Notice);
        }

        await sshd.ChangeHostKeyAsync();
        var changed = await Assert.ThrowsAsync<ShellSessionException>(() => _ssh.OpenAsync(_holder, Board, 80, 24, CancellationToken.None));
        Assert.Equal(
            $"ssh: host key of {Board} changed from {first} to {sshd.HostKeyFingerprint}; refusing to connect until an admin accepts the new key on the board page",
            changed.Message);
        Assert.Equal(sshd.HostKeyFingerprint, (await _ssh.GetHostKeyAsync(Board, CancellationToken.None)).Offered);

        Assert.Equal("Only admins may accept a new host key.", await _ssh.AcceptOfferedHostKeyAsync(_holder, Board, CancellationToken.None));
        Assert.Null(await _ssh.AcceptOfferedHostKeyAsync(_admin, Board, CancellationToken.None));

        var accepted = await _ssh.OpenAsync(_holder, Board, 80, 24, CancellationToken.None);
        await using (accepted.Session)
        {
            Assert.Null(accepted.Notice);
            await RunAsync(accepted.Session, "echo accepted-$((6*7))", "accepted-42");
        }

        var key = await _ssh.GetHostKeyAsync(Board, CancellationToken.None);
        Assert.Equal((sshd.HostKeyFingerprint, PortalFactory.AdminEmail, null), (key.Recorded, key.RecordedBy, key.Offered));
        var audit = await _portal.Services.GetRequiredService<AuditLog>().ListAsync(Board, 10, CancellationToken.None);
        Assert.Contains(audit, a => a is { Action: "ssh-host-key-accepted", Actor: PortalFactory.AdminEmail } && a.Details == $"{first} -> {sshd.HostKeyFingerprint}");
    }

    [SshdFact]
    public async Task APinnedHostKeyThatDiffersIsRefusedAndNothingIsRecorded()
    {
        const string pinned = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        await using var portal = sshd.Configure(new PortalFactory()).WithSetting("Lab:Boards:3:Ssh:HostKeyFingerprint", pinned);
        var holder = await portal.CreateUserAsync("pinned@lab.test", "Ssh-Holder-Pass-1");
        await portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(holder, Board, null, CancellationToken.None);
        var ssh = portal.Services.GetRequiredService<SshTerminalService>();

        var error = await Assert.ThrowsAsync<ShellSessionException>(() => ssh.OpenAsync(holder, Board, 80, 24, CancellationToken.None));

        Assert.Equal($"ssh: host key of {Board} is {sshd.HostKeyFingerprint}, not the pinned {pinned}; refusing to connect", error.Message);
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.SshHostKeys.ToListAsync());
    }

    [SshdFact]
    public async Task OnlyTheHolderOrAnAdminMayOpenSsh()
    {
        var other = await _portal.CreateUserAsync("ssh-other@lab.test", "Ssh-Holder-Pass-1");
        await ReserveAsync(_holder);

        var refused = await Assert.ThrowsAsync<ShellSessionException>(() => _ssh.OpenAsync(other, Board, 80, 24, CancellationToken.None));
        var admins = await _ssh.OpenAsync(_admin, Board, 80, 24, CancellationToken.None);
        await using var session = admins.Session;

        Assert.Equal($"ssh: only the holder of {Board} or an admin may open SSH", refused.Message);
        Assert.Equal("reservation ended", await _ssh.ClosingReasonAsync(other, Board, CancellationToken.None));
        Assert.Null(await _ssh.ClosingReasonAsync(_holder, Board, CancellationToken.None));
        await RunAsync(session, "echo admin-$((6*7))", "admin-42");
    }

    private async Task ReserveAsync(Actor actor)
    {
        var granted = await _portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(actor, Board, null, CancellationToken.None);
        Assert.Null(granted.Error);
    }

    private static async Task RunAsync(IShellSession session, string command, string expected)
    {
        await session.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), CancellationToken.None);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new StringBuilder();
        var buffer = new byte[4096];
        while (!seen.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var read = await session.ReadAsync(buffer, bound.Token);
            Assert.NotEqual(0, read);
            seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }
}
