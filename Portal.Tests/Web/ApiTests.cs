using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Portal.Identity;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

public sealed class ApiTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task RequestWithoutATokenGets401WithAProblemDetail()
    {
        var response = await portal.CreateClient().GetAsync("/api/v1/boards");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.StartsWith("Send a valid personal access token", problem!.Detail);
    }

    [Fact]
    public async Task ABrowserCookieDoesNotOpenTheApi()
    {
        var browser = await portal.LoggedInClientAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        var response = await browser.GetAsync("/api/v1/boards");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RevokedAndExpiredTokensGet401()
    {
        var expired = await portal.TokenClientAsync("late@lab.test", expiresAt: DateTime.UtcNow.AddMinutes(-1));
        var secret = await portal.CreateTokenAsync("late@lab.test");
        var tokens = portal.Services.GetRequiredService<AccessTokenService>();
        var userId = (await portal.Services.GetRequiredService<UserAdminService>().ListAsync(CancellationToken.None)).Single(u => u.Email == "late@lab.test").Id;
        var revoked = (await tokens.ListAsync(userId, CancellationToken.None)).First(t => secret.StartsWith(t.Prefix, StringComparison.Ordinal));
        Assert.True(await tokens.RevokeAsync(userId, revoked.Id, CancellationToken.None));
        var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);

        Assert.Equal(HttpStatusCode.Unauthorized, (await expired.GetAsync("/api/v1/boards")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/boards")).StatusCode);
    }

    [Fact]
    public async Task ATokenInUseIsRefusedRightAfterItIsRevokedOrItsOwnerIsDisabled()
    {
        var users = portal.Services.GetRequiredService<UserAdminService>();
        var tokens = portal.Services.GetRequiredService<AccessTokenService>();
        var revoked = await portal.TokenClientAsync("busy@lab.test");
        var disabled = await portal.TokenClientAsync("leaving@lab.test");
        var ids = (await users.ListAsync(CancellationToken.None)).ToDictionary(u => u.Email, u => u.Id);
        // Both tokens have been used, so the portal knows them when their rights change.
        Assert.Equal(HttpStatusCode.OK, (await revoked.GetAsync("/api/v1/boards")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await disabled.GetAsync("/api/v1/boards")).StatusCode);

        Assert.True(await tokens.RevokeAsync(ids["busy@lab.test"], (await tokens.ListAsync(ids["busy@lab.test"], CancellationToken.None)).Single().Id, CancellationToken.None));
        Assert.True((await users.SetDisabledAsync(await portal.AdminAsync(), ids["leaving@lab.test"], true, CancellationToken.None)).Succeeded);

        Assert.Equal(HttpStatusCode.Unauthorized, (await revoked.GetAsync("/api/v1/boards")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await disabled.GetAsync("/api/v1/boards")).StatusCode);
    }

    [Fact]
    public async Task RevokingATokenThatIsNotALiveOneOfYoursRevokesNothing()
    {
        var secret = await portal.CreateTokenAsync("keeper@lab.test");
        await portal.CreateTokenAsync("meddler@lab.test");
        var tokens = portal.Services.GetRequiredService<AccessTokenService>();
        var users = await portal.Services.GetRequiredService<UserAdminService>().ListAsync(CancellationToken.None);
        var (keeper, meddler) = (users.Single(u => u.Email == "keeper@lab.test").Id, users.Single(u => u.Email == "meddler@lab.test").Id);
        var token = (await tokens.ListAsync(keeper, CancellationToken.None)).Single();
        var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);

        Assert.False(await tokens.RevokeAsync(meddler, token.Id, CancellationToken.None));
        Assert.False(await tokens.RevokeAsync(keeper, token.Id + 1000, CancellationToken.None));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/boards")).StatusCode);
        Assert.True(await tokens.RevokeAsync(keeper, token.Id, CancellationToken.None));
        Assert.False(await tokens.RevokeAsync(keeper, token.Id, CancellationToken.None));
    }

    [Fact]
    public async Task TokensAreStoredOnlyAsHashes()
    {
        var secret = await portal.CreateTokenAsync("careful@lab.test");

        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Portal.Data.ApplicationDbContext>();
        var stored = db.AccessTokens.AsEnumerable().Select(t => $"{t.Hash}|{t.Prefix}|{t.Name}");
        Assert.DoesNotContain(stored, row => row.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListsClassesAndBoardsWithState()
    {
        var client = await portal.TokenClientAsync("reader@lab.test");

        var classes = await client.GetFromJsonAsync<List<ApiBoardClass>>("/api/v1/classes");
        var board = await client.GetFromJsonAsync<ApiBoard>("/api/v1/boards/rpi-01");

        Assert.Equal(["pine64-a64-lts", "qemu-x86_64", "rpi4"], classes!.Select(c => c.Name));
        Assert.Equal("arm64", classes![0].Arch);
        Assert.Equal(["pine-01", "pine-02"], classes[0].Boards.Select(b => b.Name));
        Assert.Equal("yes", board!.Tags["camera"]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/boards/nope")).StatusCode);
    }

    [Fact]
    public async Task HolderReservesExtendsAndReleasesABoard()
    {
        var client = await portal.TokenClientAsync("holder@lab.test");

        var reserve = await client.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest("pine-01", null, null, LeaseMinutes: 30));
        Assert.Equal(HttpStatusCode.Created, reserve.StatusCode);
        var reservation = (await reserve.Content.ReadFromJsonAsync<ApiReservation>())!;
        Assert.Equal("/api/v1/reservations/" + reservation.Id, reserve.Headers.Location?.OriginalString);
        Assert.Equal(("pine-01", "active", "holder@lab.test"), (reservation.Board, reservation.State, reservation.User));
        Assert.Equal("reserved", (await client.GetFromJsonAsync<ApiBoard>("/api/v1/boards/pine-01"))!.State);

        var extended = await (await client.PostAsJsonAsync($"/api/v1/reservations/{reservation.Id}/extend", new ExtendRequest(60))).Content.ReadFromJsonAsync<ApiReservation>();
        Assert.Equal(reservation.ExpiresAt.AddMinutes(60), extended!.ExpiresAt);

        var released = await (await client.DeleteAsync($"/api/v1/reservations/{reservation.Id}")).Content.ReadFromJsonAsync<ApiReservation>();
        Assert.Equal("released", released!.State);
        Assert.Equal("free", (await client.GetFromJsonAsync<ApiBoard>("/api/v1/boards/pine-01"))!.State);
        Assert.Contains((await client.GetFromJsonAsync<List<ApiReservation>>("/api/v1/reservations"))!, r => r.Id == reservation.Id);
    }

    [Fact]
    public async Task OnlyTheHolderOrAnAdminMaySeeExtendOrReleaseAReservation()
    {
        var holder = await portal.TokenClientAsync("owner@lab.test");
        var other = await portal.TokenClientAsync("other@lab.test");
        var admin = await portal.TokenClientAsync(PortalFactory.AdminEmail);
        var reservation = await (await holder.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest("pine-02", null, null, null))).Content.ReadFromJsonAsync<ApiReservation>();
        var id = reservation!.Id;

        var otherGets = await other.GetAsync($"/api/v1/reservations/{id}");
        var otherExtends = await other.PostAsJsonAsync($"/api/v1/reservations/{id}/extend", new ExtendRequest(10));
        var otherReleases = await other.DeleteAsync($"/api/v1/reservations/{id}");
        var adminReleases = await admin.DeleteAsync($"/api/v1/reservations/{id}");

        Assert.Equal(HttpStatusCode.NotFound, otherGets.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherExtends.StatusCode);
        Assert.Equal($"There is no reservation {id}.", (await otherExtends.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal(HttpStatusCode.NotFound, otherReleases.StatusCode);
        Assert.Equal(HttpStatusCode.OK, adminReleases.StatusCode);
    }

    [Fact]
    public async Task ClassRequestWithTagsWaitsInTheQueueWhenNoBoardMatches()
    {
        var first = await portal.TokenClientAsync("first@lab.test");
        var second = await portal.TokenClientAsync("second@lab.test");
        var granted = await first.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "rpi4", new() { ["camera"] = "yes" }, null));
        var refused = await second.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "rpi4", new() { ["camera"] = "yes" }, null));
        var queued = await second.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "rpi4", new() { ["camera"] = "yes" }, null, Wait: true));

        Assert.Equal("rpi-01", (await granted.Content.ReadFromJsonAsync<ApiReservation>())!.Board);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("No free board of class rpi4 with camera=yes.", (await refused.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var entry = (await queued.Content.ReadFromJsonAsync<ApiQueueEntry>())!;
        Assert.Equal((1, "waiting"), (entry.Position, entry.State));

        var firstReservation = (await first.GetFromJsonAsync<List<ApiReservation>>("/api/v1/reservations?active=true"))!.Single();
        await first.DeleteAsync($"/api/v1/reservations/{firstReservation.Id}");

        // The queue is served in the background once the release has committed.
        var mine = await second.GetFromJsonAsync<List<ApiReservation>>("/api/v1/reservations?active=true");
        for (var tries = 0; mine!.Count == 0 && tries < 100; tries++)
        {
            await Task.Delay(50);
            mine = await second.GetFromJsonAsync<List<ApiReservation>>("/api/v1/reservations?active=true");
        }

        Assert.Equal("rpi-01", mine.Single().Board);
        Assert.Empty((await second.GetFromJsonAsync<List<ApiQueueEntry>>("/api/v1/queue"))!);
    }

    [Fact]
    public async Task OnlyTheRequesterMayLeaveTheirPlaceInTheQueue()
    {
        var holder = await portal.TokenClientAsync("keeper@lab.test");
        var waiter = await portal.TokenClientAsync("waiter@lab.test");
        var stranger = await portal.TokenClientAsync("stranger@lab.test");
        await holder.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "rpi4", new() { ["camera"] = "no" }, null));
        var queued = await (await waiter.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "rpi4", new() { ["camera"] = "no" }, null, Wait: true))).Content.ReadFromJsonAsync<ApiQueueEntry>();

        var strangerLeaves = await stranger.DeleteAsync($"/api/v1/queue/{queued!.Id}");
        var waiterLeaves = await waiter.DeleteAsync($"/api/v1/queue/{queued.Id}");

        Assert.Equal(HttpStatusCode.NotFound, strangerLeaves.StatusCode);
        Assert.Equal("cancelled", (await waiterLeaves.Content.ReadFromJsonAsync<ApiQueueEntry>())!.State);
        Assert.Empty((await waiter.GetFromJsonAsync<List<ApiQueueEntry>>("/api/v1/queue"))!);
    }

    [Fact]
    public async Task AnOversizedTagFilterOrTooManyWaitingRequestsAreBadRequestsNamingTheLimit()
    {
        var client = await portal.TokenClientAsync("greedy@lab.test");
        var unmatched = new Dictionary<string, string> { ["camera"] = "none-has-this" };

        var huge = await client.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "pine64-a64-lts", new() { ["usb"] = new string('x', 10_000) }, null, Wait: true));
        var waits = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            waits.Add((await client.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "pine64-a64-lts", unmatched, null, Wait: true))).StatusCode);
        }

        var eleventh = await client.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "pine64-a64-lts", unmatched, null, Wait: true));

        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Equal("The value of tag 'usb' is 10000 characters long; at most 128 are allowed.", (await huge.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Accepted, 10), waits);
        Assert.Equal(HttpStatusCode.BadRequest, eleventh.StatusCode);
        Assert.Equal(
            "You already wait with 10 requests, the most one user may (Lab:Reservations:MaxQueuedPerUser); leave one first.",
            (await eleventh.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal(10, (await client.GetFromJsonAsync<List<ApiQueueEntry>>("/api/v1/queue"))!.Count);
        Assert.DoesNotContain(await portal.Services.GetRequiredService<Portal.Audit.AuditLog>().ListAsync(null, 500, CancellationToken.None), a => a.Details?.Length > 1000);
    }

    [Fact]
    public async Task RequestNamingNeitherBoardNorClassIsABadRequest()
    {
        var client = await portal.TokenClientAsync("vague@lab.test");

        var response = await client.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, null, null, null));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Name either a board or a class, not both and not neither.", (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
    }

    [Fact]
    public async Task OpenApiDocumentDescribesEveryRouteAndTheBearerToken()
    {
        using var document = JsonDocument.Parse(await portal.CreateClient().GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/reservations", paths);
        Assert.Contains("/api/v1/reservations/{id}/extend", paths);
        Assert.Contains("/api/v1/boards/{name}/health", paths);
        Assert.Contains("/api/v1/admin/boards/{name}/health-check", paths);
        Assert.Contains("/api/v1/admin/boards/{name}/maintenance", paths);
        Assert.Equal("bearer", document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
    }
}
