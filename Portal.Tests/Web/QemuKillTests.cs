using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Portal.Api;
using Portal.Artifacts;
using Portal.Deploys;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>A portal process killed with SIGKILL while its QEMU board runs leaves no QEMU once it has started again.</summary>
public sealed class QemuKillTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-qemu-kill-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [QemuFact]
    public async Task TheQemuOfAPortalKilledWithSigkillIsGoneAfterTheNextStart()
    {
        var image = await QemuImage.GetAsync();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = $"Data Source={Path.Combine(_directory, "portal.db")}",
            ["Portal:Admin:Password"] = PortalFactory.AdminPassword,
            ["Consoles:LogDirectory"] = Path.Combine(_directory, "console-logs"),
            ["Artifacts:Directory"] = Path.Combine(_directory, "artifacts"),
            ["Lab:Qemu:StateDirectory"] = Path.Combine(_directory, "qemu"),
            ["Lab:Boards:4:Power:Kernel"] = image.Kernel,
            ["Lab:Boards:4:Power:SshPort"] = LoopbackPorts.FreeTcp().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Lab:Boards:4:Power:Initrd"] = image.Initrd,
        };
        string secret;
        await using (var setup = new PortalFactory().WithSetting("ConnectionStrings:Portal", settings["ConnectionStrings:Portal"]))
        {
            secret = await setup.CreateTokenAsync("killer@lab.test");
        }

        SqliteConnection.ClearAllPools();
        int pid;
        await using (var first = await PortalProcess.StartAsync(settings))
        {
            using var client = Client(first, secret);
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("api/v1/reservations", new ReserveRequest("qemu-01", null, null, 30))).StatusCode);
            var kernel = await ArtifactTests.UploadAsync(client, "vmlinuz", await File.ReadAllBytesAsync(image.Kernel));
            var booted = await client.PostAsJsonAsync("api/v1/boards/qemu-01/deploy", new ApiDeployRequest(new() { ["kernel"] = kernel.Digest }, null, Boot: true));
            Assert.True(booted.IsSuccessStatusCode, await booted.Content.ReadAsStringAsync());
            pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, "qemu", "qemu-01", "qemu.pid")), System.Globalization.CultureInfo.InvariantCulture);

            await first.KillAsync();
            Assert.True(IsAlive(pid), "QEMU died with the portal; the test would prove nothing");
        }

        await using var second = await PortalProcess.StartAsync(settings);
        Assert.False(IsAlive(pid), $"QEMU {pid} of the killed portal still runs after the next start");
    }

    private static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Length > 0;

    private static HttpClient Client(PortalProcess portal, string secret)
    {
        var client = new HttpClient { BaseAddress = portal.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }
}
