using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Artifacts;
using Portal.Data;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>The content-addressed artifact store through the API: digests, dedup, verification on read, quota, delete, retention.</summary>
public sealed class ArtifactTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task UploadAnswersTheDigestAndASecondUploadOfTheSameBytesStoresNothing()
    {
        var client = await portal.TokenClientAsync("uploader@lab.test");
        var bytes = RandomBytes(3 * 1024 * 1024 + 17);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

        var first = await UploadAsync(client, "kernel", bytes, "tags=v1,nightly");
        var second = await UploadAsync(client, "kernel-copy", bytes);

        Assert.Equal((digest, bytes.Length, false), (first.Digest, (int)first.Size, first.Deduplicated));
        Assert.Equal(["v1", "nightly"], first.Tags);
        Assert.Equal((digest, true), (second.Digest, second.Deduplicated));
        Assert.NotEqual(first.Id, second.Id);
        var stored = Directory.GetFiles(Path.Combine(Store.Root, "sha256"));
        Assert.Single(stored, path => Path.GetFileName(path) == digest[7..]);
        Assert.Empty(Directory.GetFiles(Path.Combine(Store.Root, "tmp")));
        Assert.Equal(bytes, await client.GetByteArrayAsync($"/api/v1/artifacts/{second.Id}/content"));
        Assert.Contains((await client.GetFromJsonAsync<List<ApiArtifact>>("/api/v1/artifacts"))!, a => a.Id == first.Id && a.Uploader == "uploader@lab.test");
    }

    [Fact]
    public async Task AStoredFileThatChangedOnDiskIsRefused()
    {
        var client = await portal.TokenClientAsync("victim@lab.test");
        var artifact = await UploadAsync(client, "initrd", RandomBytes(4096));
        var path = Store.PathOf(artifact.Digest[7..]);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[100] ^= 0xff;
        await File.WriteAllBytesAsync(path, bytes);

        var response = await client.GetAsync($"/api/v1/artifacts/{artifact.Id}/content");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.StartsWith("Artifact initrd is corrupted in the store: its content hashes to sha256:", problem!.Detail);
        Assert.EndsWith("; it is refused.", problem.Detail);
    }

    [Fact]
    public async Task AnUploadOverTheQuotaAnswers413WithTheLimitAndStoresNothing()
    {
        await using var limited = new PortalFactory().WithSetting("Artifacts:QuotaMegabytes", "1");
        var client = await limited.TokenClientAsync("greedy@lab.test");
        await UploadAsync(client, "small", RandomBytes(600 * 1024));

        // Sent without a length, so the store finds out while streaming.
        var content = new StreamContent(new MemoryStream(RandomBytes(600 * 1024)));
        var response = await client.PutAsync("/api/v1/artifacts/big", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.StartsWith("The upload exceeds your artifact quota of 1 MB (Artifacts:QuotaMegabytes): you store 0.6 MB", problem!.Detail);
        var store = limited.Services.GetRequiredService<ArtifactStore>();
        Assert.Single(Directory.GetFiles(Path.Combine(store.Root, "sha256")));
        Assert.Empty(Directory.GetFiles(Path.Combine(store.Root, "tmp")));
    }

    [Fact]
    public async Task OnlyTheUploaderOrAnAdminDeletesAndTheFileGoesWithItsLastArtifact()
    {
        var owner = await portal.TokenClientAsync("owner-a@lab.test");
        var other = await portal.TokenClientAsync("other-a@lab.test");
        var artifact = await UploadAsync(owner, "dtb", RandomBytes(2048));

        var refused = await other.DeleteAsync($"/api/v1/artifacts/{artifact.Id}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("Only the uploader of dtb or an admin may delete it.", (await refused.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);

        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/v1/artifacts/{artifact.Id}")).StatusCode);
        Assert.False(File.Exists(Store.PathOf(artifact.Digest[7..])));
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/v1/artifacts/{artifact.Id}")).StatusCode);
    }

    [Fact]
    public async Task RetentionRemovesArtifactsUnusedForLongerThanTheSetting()
    {
        var client = await portal.TokenClientAsync("forgetful@lab.test");
        var old = await UploadAsync(client, "old-image", RandomBytes(1024));
        var fresh = await UploadAsync(client, "fresh-image", RandomBytes(1024));
        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync())
        {
            await db.Artifacts.Where(a => a.Id == old.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.LastUsedAt, DateTime.UtcNow.AddDays(-31)));
        }

        Assert.True(await Store.ApplyRetentionAsync(CancellationToken.None) >= 1);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/artifacts/{old.Id}")).StatusCode);
        Assert.False(File.Exists(Store.PathOf(old.Digest[7..])));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/artifacts/{fresh.Id}")).StatusCode);
    }

    [Fact]
    public async Task ABadNameIsOneSentence()
    {
        var client = await portal.TokenClientAsync("namer@lab.test");
        var response = await client.PutAsync("/api/v1/artifacts/-kernel", new ByteArrayContent([1, 2, 3]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Artifact name '-kernel' must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit.", (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
    }

    private ArtifactStore Store => portal.Services.GetRequiredService<ArtifactStore>();

    public static async Task<ApiArtifact> UploadAsync(HttpClient client, string name, byte[] bytes, string? query = null)
    {
        var response = await client.PutAsync($"/api/v1/artifacts/{name}{(query is null ? "" : "?" + query)}", new ByteArrayContent(bytes));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ApiArtifact>())!;
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
