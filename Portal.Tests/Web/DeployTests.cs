using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Portal.Artifacts;
using Portal.Audit;
using Portal.Deploys;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>
/// Deploy & boot through the API, end to end: a kernel and initramfs built with a fresh marker in init, uploaded,
/// deployed to a QEMU board, booted, and the marker seen on its console; the refusals around it.
/// </summary>
public sealed class DeployTests
{
    [QemuFact]
    public async Task AnUploadedKernelAndInitramfsDeployedToAQemuBoardBootToTheirMarker()
    {
        var image = await QemuImage.BuildAsync($"deployed-{Guid.NewGuid():N}");
        await using var portal = await QemuPortal.StartAsync();
        var client = await portal.TokenClientAsync("deployer@lab.test");
        var (kernel, initrd) = await UploadAsync(client, image);
        var reservation = await ReserveAsync(client, "qemu-01");

        var response = await client.PostAsJsonAsync("/api/v1/boards/qemu-01/deploy", new ApiDeployRequest(
            new() { ["kernel"] = kernel.Digest, ["initrd"] = initrd.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            "console=ttyS0", Boot: true, Expect: image.Marker, TimeoutSeconds: 120));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var deployment = (await response.Content.ReadFromJsonAsync<ApiDeployment>())!;
        Assert.Null(deployment.Error);
        Assert.Equal([$"kernel=vmlinuz {kernel.Digest}", $"initrd=initrd {initrd.Digest}"], deployment.Files);
        Assert.Contains($"console printed '{image.Marker}'", deployment.Output);
        var listed = await client.GetFromJsonAsync<List<ApiDeployment>>($"/api/v1/reservations/{reservation.Id}/deployments");
        Assert.Equal(deployment.Id, Assert.Single(listed!).Id);
        var audit = await portal.Services.GetRequiredService<AuditLog>().ListAsync("qemu-01", 50, CancellationToken.None);
        Assert.Contains(audit, a => a.Action == "deploy" && a.Actor == "deployer@lab.test" && a.Details!.Contains(kernel.Digest, StringComparison.Ordinal));
    }

    [QemuFact]
    public async Task ReleasingTheBoardStopsADeployThatWaitsForItsConsole()
    {
        var image = await QemuImage.BuildAsync($"stopped-{Guid.NewGuid():N}");
        await using var portal = await QemuPortal.StartAsync();
        var client = await portal.TokenClientAsync("stopper@lab.test");
        var (kernel, initrd) = await UploadAsync(client, image);
        var reservation = await ReserveAsync(client, "qemu-01");
        var deploying = client.PostAsJsonAsync("/api/v1/boards/qemu-01/deploy", new ApiDeployRequest(
            new() { ["kernel"] = kernel.Digest, ["initrd"] = initrd.Digest },
            "console=ttyS0", Boot: true, Expect: "a line this image never prints", TimeoutSeconds: 600));
        var deployments = $"/api/v1/reservations/{reservation.Id}/deployments";
        for (var waited = 0; (await client.GetFromJsonAsync<List<ApiDeployment>>(deployments))!.Count == 0; waited++)
        {
            Assert.True(waited < 600, "the deploy was not recorded within 60 s");
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/api/v1/reservations/{reservation.Id}")).StatusCode);

        // At once, not after the 600 s the deploy would have waited for its line.
        var response = await deploying.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        const string Stopped = "Deploy to qemu-01 stopped: only the holder of qemu-01 or an admin may deploy to it.";
        Assert.Equal(Stopped, (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        var recorded = Assert.Single((await portal.Services.GetRequiredService<DeployService>().ListAsync(reservation.Id, null, CancellationToken.None)));
        Assert.Equal(Stopped, recorded.Error);
        Assert.Contains(Stopped, recorded.Output);
    }

    [QemuFact]
    public async Task DeployIsRefusedToAnyoneButTheHolderForOthersArtifactsAndForACorruptedFile()
    {
        await using var portal = await QemuPortal.StartAsync();
        var holder = await portal.TokenClientAsync("holder-d@lab.test");
        var other = await portal.TokenClientAsync("other-d@lab.test");
        var mine = await ArtifactTests.UploadAsync(holder, "kernel", [1, 2, 3, 4]);
        var theirs = await ArtifactTests.UploadAsync(other, "kernel", [5, 6, 7, 8]);
        await ReserveAsync(holder, "qemu-01");

        await AssertProblemAsync(other, "qemu-01", new() { ["kernel"] = $"{theirs.Id}" }, HttpStatusCode.Forbidden, "Only the holder of qemu-01 or an admin may deploy to it.");
        await AssertProblemAsync(holder, "qemu-01", new() { ["kernel"] = $"{theirs.Id}" }, HttpStatusCode.Forbidden, $"You may deploy only your own artifacts; kernel (artifact {theirs.Id}) was uploaded by other-d@lab.test.");
        await AssertProblemAsync(holder, "qemu-01", new() { ["bootloader"] = $"{mine.Id}" }, HttpStatusCode.BadRequest, "Board qemu-01 takes kernel, initrd, disk; not 'bootloader'.");
        await AssertProblemAsync(holder, "pine-01", new() { ["kernel"] = $"{mine.Id}" }, HttpStatusCode.BadRequest, "Nothing can be deployed to board pine-01: it has no deploy driver.");

        var stored = portal.Services.GetRequiredService<ArtifactStore>().PathOf(mine.Digest[7..]);
        await File.WriteAllBytesAsync(stored, [9, 9, 9, 9]);
        var corrupted = await AssertProblemAsync(holder, "qemu-01", new() { ["kernel"] = $"{mine.Id}" }, HttpStatusCode.Conflict, null);
        Assert.StartsWith("Artifact kernel is corrupted in the store", corrupted);
    }

    private static async Task<string?> AssertProblemAsync(HttpClient client, string board, Dictionary<string, string> artifacts, HttpStatusCode status, string? detail)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/boards/{board}/deploy", new ApiDeployRequest(artifacts, null, Boot: true));
        Assert.Equal(status, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;
        if (detail is not null)
        {
            Assert.Equal(detail, problem.Detail);
        }

        return problem.Detail;
    }

    private static async Task<(ApiArtifact Kernel, ApiArtifact Initrd)> UploadAsync(HttpClient client, QemuImage image) =>
        (await ArtifactTests.UploadAsync(client, "vmlinuz", await File.ReadAllBytesAsync(image.Kernel)),
         await ArtifactTests.UploadAsync(client, "initrd", await File.ReadAllBytesAsync(image.Initrd)));

    private static async Task<ApiReservation> ReserveAsync(HttpClient client, string board)
    {
        var response = await client.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(board, null, null, 30));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ApiReservation>())!;
    }
}
