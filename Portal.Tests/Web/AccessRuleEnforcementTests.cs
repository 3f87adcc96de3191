using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Api;
using Portal.Artifacts;
using Portal.Consoles;
using Portal.Data;
using Portal.Deploys;
using Portal.Identity;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>
/// Every API route, allowed and refused. The routes come from the running app, so a route added without an entry
/// here (and so without a decided check) fails <see cref="EveryApiRouteHasAnAccessCase"/>.
/// </summary>
public sealed class AccessRuleEnforcementTests : IAsyncLifetime
{
    // pine-02, the board the allowed user holds, takes deploys through a command that does nothing.
    private readonly PortalFactory _portal = new PortalFactory().WithSetting("Lab:Boards:1:Deploy:Driver", "command").WithSetting("Lab:Boards:1:Deploy:Command", "true");
    private HttpClient _allowed = null!;
    private HttpClient _denied = null!;
    private HttpClient _anonymous = null!;
    private HttpClient _admin = null!;
    private string _deniedId = "";
    private Actor _allowedActor = null!;

    /// <summary>
    /// Route → (who is refused, how, and the call). "token" routes only need a valid token; "holder" routes answer
    /// another user 404 for what they may not see and 403 for what they may not do; "admin" routes are allowed to an
    /// admin and refused (403) to others; "holder, forbidden" is a GET
    /// that says whose the board is (a tunnel).
    /// </summary>
    private Dictionary<string, (string Refusal, Func<HttpClient, int, Task<HttpResponseMessage>> Call)> Cases => new()
    {
        ["GET /api/v1/classes"] = ("token", (c, _) => c.GetAsync("/api/v1/classes")),
        ["GET /api/v1/boards"] = ("token", (c, _) => c.GetAsync("/api/v1/boards")),
        ["GET /api/v1/boards/{name}"] = ("token", (c, _) => c.GetAsync("/api/v1/boards/pine-02")),
        ["POST /api/v1/reservations"] = ("Instantiate", (c, _) => c.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest("rpi-01", null, null, null))),
        ["GET /api/v1/reservations"] = ("token", (c, _) => c.GetAsync("/api/v1/reservations")),
        ["GET /api/v1/reservations/{id:int}"] = ("holder", (c, id) => c.GetAsync($"/api/v1/reservations/{id}")),
        ["POST /api/v1/reservations/{id:int}/extend"] = ("holder", (c, id) => c.PostAsJsonAsync($"/api/v1/reservations/{id}/extend", new ExtendRequest(5))),
        ["DELETE /api/v1/reservations/{id:int}"] = ("holder", (c, id) => c.DeleteAsync($"/api/v1/reservations/{id}")),
        ["GET /api/v1/queue"] = ("token", (c, _) => c.GetAsync("/api/v1/queue")),
        ["DELETE /api/v1/queue/{id:int}"] = ("holder", (c, id) => c.DeleteAsync($"/api/v1/queue/{id}")),
        ["PUT /api/v1/artifacts/{name}"] = ("token", (c, _) => c.PutAsync("/api/v1/artifacts/access-case", new ByteArrayContent([1, 2, 3]))),
        ["GET /api/v1/artifacts/"] = ("token", (c, _) => c.GetAsync("/api/v1/artifacts")),
        ["GET /api/v1/artifacts/{id:int}"] = ("token", async (c, _) => await c.GetAsync($"/api/v1/artifacts/{await ArtifactAsync()}")),
        ["GET /api/v1/artifacts/{id:int}/content"] = ("token", async (c, _) => await c.GetAsync($"/api/v1/artifacts/{await ArtifactAsync()}/content")),
        ["DELETE /api/v1/artifacts/{id:int}"] = ("uploader", async (c, _) => await c.DeleteAsync($"/api/v1/artifacts/{await ArtifactAsync()}")),
        ["POST /api/v1/boards/{name}/deploy"] = ("holder", async (c, _) => await c.PostAsJsonAsync("/api/v1/boards/pine-02/deploy", new ApiDeployRequest(new() { ["image"] = $"{await ArtifactAsync()}" }, null))),
        ["GET /api/v1/reservations/{id:int}/deployments"] = ("holder", (c, id) => c.GetAsync($"/api/v1/reservations/{id}/deployments")),
        ["GET /api/v1/boards/{name}/power"] = ("token", (c, _) => c.GetAsync("/api/v1/boards/pine-02/power")),
        ["GET /api/v1/boards/{name}/health"] = ("token", (c, _) => c.GetAsync("/api/v1/boards/pine-02/health")),
        // The QEMU boards, which no other case uses, have a health check here: a check and maintenance change only them.
        ["POST /api/v1/admin/boards/{name}/health-check"] = ("admin", (c, _) => c.PostAsync("/api/v1/admin/boards/qemu-01/health-check", null)),
        ["PUT /api/v1/admin/boards/{name}/maintenance"] = ("admin", (c, _) => c.PutAsJsonAsync("/api/v1/admin/boards/qemu-02/maintenance", new MaintenanceRequest("access test"))),
        ["DELETE /api/v1/admin/boards/{name}/maintenance"] = ("admin", (c, _) => CreatedThenAsync(c,
            async () => (await _admin.PutAsJsonAsync("/api/v1/admin/boards/qemu-02/maintenance", new MaintenanceRequest("access test"))).IsSuccessStatusCode ? "qemu-02" : "",
            board => c.DeleteAsync($"/api/v1/admin/boards/{board}/maintenance"))),
        ["POST /api/v1/admin/boards/{name}/health/clear"] = ("admin", (c, _) => CreatedThenAsync(c,
            async () =>
            {
                await using var db = await _portal.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
                await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ExecuteUpdateAsync(
                    db.Boards.Where(b => b.Name == "qemu-01"), set => set.SetProperty(b => b.Health, BoardHealth.Bad).SetProperty(b => b.HealthNote, "access test"));
                return "qemu-01";
            },
            board => c.PostAsync($"/api/v1/admin/boards/{board}/health/clear", null))),
        ["POST /api/v1/boards/{name}/power"] = ("holder", (c, _) => c.PostAsJsonAsync("/api/v1/boards/pine-02/power", new PowerRequest("on"))),
        ["POST /api/v1/boards/{name}/break"] = ("holder", (c, _) => c.PostAsync("/api/v1/boards/pine-02/break", null)),
        ["GET /api/v1/boards/{name}/console"] = ("ConsoleRead", (c, _) => WebSocketAsync(c, "/api/v1/boards/pine-02/console")),
        ["GET /api/v1/boards/{name}/tunnels/{port:int}"] = ("holder, forbidden", (c, _) => WebSocketAsync(c, $"/api/v1/boards/pine-02/tunnels/{_tunnelPort}")),
        ["GET /api/v1/admin/users"] = ("admin", (c, _) => c.GetAsync("/api/v1/admin/users")),
        ["POST /api/v1/admin/users"] = ("admin", (c, _) => c.PostAsJsonAsync("/api/v1/admin/users", new ApiNewUser($"made-{Guid.NewGuid():N}@lab.test", "Made-User-Pass-1"))),
        ["PUT /api/v1/admin/users/{id}"] = ("admin", (c, _) => c.PutAsJsonAsync($"/api/v1/admin/users/{_deniedId}", new ApiUserUpdate(false, [], false))),
        ["DELETE /api/v1/admin/users/{id}"] = ("admin", (c, _) => CreatedThenAsync(c,
            async () => (await (await _admin.PostAsJsonAsync("/api/v1/admin/users", new ApiNewUser($"gone-{Guid.NewGuid():N}@lab.test", "Gone-User-Pass-1"))).Content.ReadFromJsonAsync<UserRow>())!.Id,
            id => c.DeleteAsync($"/api/v1/admin/users/{id}"))),
        ["GET /api/v1/admin/groups"] = ("admin", (c, _) => c.GetAsync("/api/v1/admin/groups")),
        ["POST /api/v1/admin/groups"] = ("admin", (c, _) => c.PostAsJsonAsync("/api/v1/admin/groups", new ApiGroup($"group-{Guid.NewGuid():N}"))),
        ["DELETE /api/v1/admin/groups/{name}"] = ("admin", (c, _) => CreatedThenAsync(c,
            async () => (await (await _admin.PostAsJsonAsync("/api/v1/admin/groups", new ApiGroup($"gone-{Guid.NewGuid():N}"))).Content.ReadFromJsonAsync<ApiGroup>())!.Name,
            name => c.DeleteAsync($"/api/v1/admin/groups/{name}"))),
        ["GET /api/v1/admin/rules"] = ("admin", (c, _) => c.GetAsync("/api/v1/admin/rules")),
        ["POST /api/v1/admin/rules"] = ("admin", (c, _) => c.PostAsJsonAsync("/api/v1/admin/rules", new ApiRule(null, "user:denied@lab.test", "Sandbox", "board:rpi-01", "Deny"))),
        ["DELETE /api/v1/admin/rules/{id:int}"] = ("admin", (c, _) => CreatedThenAsync(c,
            async () => $"{(await (await _admin.PostAsJsonAsync("/api/v1/admin/rules", new ApiRule(null, "user:denied@lab.test", "Power", "board:rpi-02", "Deny"))).Content.ReadFromJsonAsync<ApiRule>())!.Id}",
            id => c.DeleteAsync($"/api/v1/admin/rules/{id}"))),
        ["GET /api/v1/account/ssh-keys"] = ("token", (c, _) => c.GetAsync("/api/v1/account/ssh-keys")),
        ["POST /api/v1/account/ssh-keys"] = ("token", (c, _) => c.PostAsJsonAsync("/api/v1/account/ssh-keys", new AddSshKeyRequest(_sshKeys.Dequeue()))),
        ["DELETE /api/v1/account/ssh-keys/{id:int}"] = ("holder", (c, _) => DeleteNewKeyAsync(c)),
        ["GET /api/v1/boards/{name}/sandbox"] = ("holder", (c, _) => WithSandboxAsync(c, () => c.GetAsync("/api/v1/boards/pine-02/sandbox"))),
        ["POST /api/v1/boards/{name}/sandbox"] = ("holder", (c, _) => c.PostAsJsonAsync("/api/v1/boards/pine-02/sandbox", new LaunchSandboxRequest(null))),
        ["DELETE /api/v1/boards/{name}/sandbox"] = ("holder", (c, _) => WithSandboxAsync(c, () => c.DeleteAsync("/api/v1/boards/pine-02/sandbox"))),
        ["GET /api/v1/boards/{name}/sandbox/logs"] = ("holder", (c, _) => WithSandboxAsync(c, () => c.GetAsync("/api/v1/boards/pine-02/sandbox/logs"))),
        ["GET /api/v1/boards/{name}/sandbox/exec"] = ("holder, forbidden", (c, _) => WithSandboxAsync(c, () => WebSocketAsync(c, "/api/v1/boards/pine-02/sandbox/exec?command=true"))),
        ["PUT /api/v1/boards/{name}/sandbox/files"] = ("holder", (c, _) => WithSandboxAsync(c, () => c.PutAsync("/api/v1/boards/pine-02/sandbox/files?path=/tmp", new ByteArrayContent(OneFileTar())))),
        ["GET /api/v1/boards/{name}/sandbox/files"] = ("holder, forbidden", (c, _) => WithSandboxAsync(c, () => c.GetAsync("/api/v1/boards/pine-02/sandbox/files?path=/tmp"))),
    };

    /// <summary>Sandbox routes need the real engine (and the image ./test.sh imports); without one they are left out here.</summary>
    private static bool SandboxesRun => File.Exists(DockerEngine.Socket) || IntegrationRequirement.Required;

    /// <summary>For the allowed user, a READY sandbox on pine-02 first; the refused users find it there.</summary>
    private async Task<HttpResponseMessage> WithSandboxAsync(HttpClient client, Func<Task<HttpResponseMessage>> call)
    {
        if (client == _allowed)
        {
            var status = await client.GetAsync("/api/v1/boards/pine-02/sandbox");
            if (!status.IsSuccessStatusCode || (await status.Content.ReadFromJsonAsync<ApiSandbox>())!.Status != "READY")
            {
                var launched = await client.PostAsJsonAsync("/api/v1/boards/pine-02/sandbox", new LaunchSandboxRequest(null));
                Assert.True(launched.IsSuccessStatusCode, await launched.Content.ReadAsStringAsync());
            }
        }

        return await call();
    }

    private static byte[] OneFileTar()
    {
        using var tar = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(tar, leaveOpen: true))
        {
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "hello.txt") { DataStream = new MemoryStream("hello"u8.ToArray()) });
        }

        return tar.ToArray();
    }

    private string _lastCreated = "";

    /// <summary>The admin creates something to delete; the refused user then tries to delete the same.</summary>
    private async Task<HttpResponseMessage> CreatedThenAsync(HttpClient client, Func<Task<string>> create, Func<string, Task<HttpResponseMessage>> delete)
    {
        if (client == _admin)
        {
            _lastCreated = await create();
        }

        return await delete(_lastCreated);
    }

    /// <summary>Public keys for the key routes, one per call (a key is added once per account).</summary>
    private readonly Queue<string> _sshKeys = new(Enumerable.Range(0, 8).Select(_ => NewPublicKey()));

    /// <summary>The allowed user adds a key and removes it; another user's removal of it is refused.</summary>
    private async Task<HttpResponseMessage> DeleteNewKeyAsync(HttpClient client)
    {
        if (client == _allowed)
        {
            var added = await _allowed.PostAsJsonAsync("/api/v1/account/ssh-keys", new AddSshKeyRequest(_sshKeys.Dequeue()));
            _lastKey = (await added.Content.ReadFromJsonAsync<SshKeyView>())!.Id;
        }

        return await client.DeleteAsync($"/api/v1/account/ssh-keys/{_lastKey}");
    }

    private int _lastKey;

    /// <summary>An ed25519 public key line (any 32 bytes make a well-formed one).</summary>
    private static string NewPublicKey()
    {
        var type = "ssh-ed25519"u8.ToArray();
        var blob = new byte[4 + type.Length + 4 + 32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(blob, type.Length);
        type.CopyTo(blob, 4);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(blob.AsSpan(4 + type.Length), 32);
        System.Security.Cryptography.RandomNumberGenerator.Fill(blob.AsSpan(8 + type.Length));
        return $"ssh-ed25519 {Convert.ToBase64String(blob)} access-test";
    }

    /// <summary>pine-02 offers a tunnel to this port, where nothing listens: the upgrade is what is checked here.</summary>
    private readonly int _tunnelPort = LoopbackPorts.FreeTcp();

    /// <summary>Opens a WebSocket route as the client; a refused upgrade is asked again as a plain GET, which answers with the refusal.</summary>
    private async Task<HttpResponseMessage> WebSocketAsync(HttpClient client, string path)
    {
        var sockets = _portal.Server.CreateWebSocketClient();
        sockets.ConfigureRequest = request => request.Headers.Authorization = client.DefaultRequestHeaders.Authorization?.ToString();
        try
        {
            using var socket = await sockets.ConnectAsync(new Uri(_portal.Server.BaseAddress, path), CancellationToken.None);
            socket.Abort();
            return new HttpResponseMessage(HttpStatusCode.SwitchingProtocols) { Content = new StringContent("") };
        }
        catch (InvalidOperationException)
        {
            return await client.GetAsync(path);
        }
    }

    public async Task InitializeAsync()
    {
        _portal.WithSetting("Lab:Boards:1:Ssh:Host", "127.0.0.1")
            .WithSetting("Lab:Boards:1:Ssh:User", "root")
            .WithSetting("Lab:Boards:1:Ssh:Password", "unused")
            .WithSetting("Lab:Boards:1:Tunnels:0", $"{_tunnelPort}");
        _portal.WithSetting("Lab:Containers:StopGrace", "00:00:00")
            .WithSetting("Lab:Classes:qemu-x86_64:HealthCheck:Steps:0:Expect", "login:")
            .WithSetting("Lab:Classes:qemu-x86_64:HealthCheck:Steps:0:Timeout", "00:00:01");
        _allowed = await _portal.TokenClientAsync("allowed@lab.test");
        _denied = await _portal.TokenClientAsync("denied@lab.test");
        _anonymous = _portal.CreateClient();
        _admin = await _portal.TokenClientAsync(PortalFactory.AdminEmail);
        var users = await _portal.Services.GetRequiredService<UserAdminService>().ListAsync(CancellationToken.None);
        _allowedActor = new Actor(users.Single(u => u.Email == "allowed@lab.test").Id, "allowed@lab.test", false);
        _deniedId = users.Single(u => u.Email == "denied@lab.test").Id;

        // Replace the demo's "everyone may do everything" with rules for one user only.
        var rules = _portal.Services.GetRequiredService<AccessRuleService>();
        var admin = new Actor(users.Single(u => u.Email == PortalFactory.AdminEmail).Id, PortalFactory.AdminEmail, true);
        if (SandboxesRun)
        {
            Assert.Null(await _portal.Services.GetRequiredService<Portal.Sandboxes.SandboxImageService>()
                .AssignAsync(admin, "pine64-a64-lts", DockerEngine.TestImage, "/bin/sh", isDefault: true, CancellationToken.None));
        }

        foreach (var rule in await rules.ListAsync(null, CancellationToken.None))
        {
            Assert.True((await rules.DeleteAsync(admin, rule.Id, CancellationToken.None)).Succeeded);
        }

        foreach (var capability in new[] { Capability.Instantiate, Capability.Power, Capability.ConsoleRead, Capability.ConsoleWrite, Capability.Sandbox })
        {
            var created = await rules.CreateAsync(admin, new RuleInput(SubjectKind.User, "allowed@lab.test", capability, TargetKind.All, null, RuleEffect.Permit), CancellationToken.None);
            Assert.True(created.Succeeded, created.Error);
        }
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        if (SandboxesRun)
        {
            await DockerEngine.RemoveContainersOfAsync(_portal.ContainerOwner);
        }
    }

    [Fact]
    public void EveryApiRouteHasAnAccessCase()
    {
        var routes = _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Order();

        Assert.Equal(Cases.Keys.Order(), routes);
    }

    [Fact]
    public async Task EachRouteIsRefusedToThoseWithoutTheRightAndAllowedToThoseWithIt()
    {
        foreach (var (route, (refusal, call)) in Cases.Where(c => SandboxesRun || !c.Key.Contains("/sandbox", StringComparison.Ordinal)))
        {
            var reservation = await HeldReservationAsync();
            var queued = await QueuedRequestAsync();
            var id = route.Contains("/queue/", StringComparison.Ordinal) ? queued : reservation;

            var allowed = await call(refusal == "admin" ? _admin : _allowed, id);
            Assert.True(allowed.IsSuccessStatusCode || allowed.StatusCode == HttpStatusCode.SwitchingProtocols, $"{route} refused the allowed user: {(int)allowed.StatusCode} {await allowed.Content.ReadAsStringAsync()}");

            // Refusals are decided before the reservation's or request's state, so the same id serves.
            var refused = await call(refusal == "token" ? _anonymous : _denied, id);
            var expected = refusal switch
            {
                "token" => HttpStatusCode.Unauthorized,
                "Instantiate" or "ConsoleRead" or "holder, forbidden" or "admin" => HttpStatusCode.Forbidden,
                _ when route.StartsWith("GET", StringComparison.Ordinal) || route.Contains("/queue/", StringComparison.Ordinal) || route.Contains("/ssh-keys/", StringComparison.Ordinal)
                    || route.Contains("/reservations/{id", StringComparison.Ordinal) => HttpStatusCode.NotFound, // someone else's reservation is a missing one
                _ => HttpStatusCode.Forbidden,
            };
            Assert.True(expected == refused.StatusCode, $"{route}: expected {expected}, got {(int)refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");
            if (refusal == "Instantiate")
            {
                Assert.Equal(
                    "You lack the Instantiate capability on board rpi-01 (no rule gives Instantiate on rpi-01).",
                    (await refused.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
            }

            await ReleaseEverythingAsync();
        }
    }

    [Fact]
    public async Task PowerNeedsThePowerCapabilityEvenForTheHolder()
    {
        var reservations = _portal.Services.GetRequiredService<ReservationLifecycle>();
        var power = _portal.Services.GetRequiredService<PowerService>();
        var rules = _portal.Services.GetRequiredService<AccessRuleService>();
        var granted = await reservations.ReserveBoardAsync(_allowedActor, "pine-01", null, CancellationToken.None);
        Assert.Null(granted.Error);

        var allowed = await power.SwitchAsync(_allowedActor, "pine-01", PowerAction.Off, CancellationToken.None);
        var powerRule = (await rules.ListAsync(null, CancellationToken.None)).Single(r => r.Capability == Capability.Power);
        Assert.True((await rules.DeleteAsync(await _portal.AdminAsync(), powerRule.Id, CancellationToken.None)).Succeeded);
        var refused = await power.SwitchAsync(_allowedActor, "pine-01", PowerAction.On, CancellationToken.None);

        Assert.Equal((Portal.Hardware.PowerState.Off, (string?)null), (allowed.State, allowed.Error));
        Assert.Equal("You lack the Power capability on board pine-01 (no rule gives Power on pine-01).", refused.Error);
        Assert.Equal(Portal.Hardware.PowerState.Off, (await power.GetStateAsync("pine-01", CancellationToken.None)).State);
    }

    [Fact]
    public async Task AGroupsRuleOpensTheApiToItsMembersAndLeavingTheGroupClosesItAtOnce()
    {
        var admin = await _portal.AdminAsync();
        await OpenRpi02ToTheDeniedUserThroughTheTestersGroupAsync(admin);
        await AssertTheDeniedUserReservesAndReleasesRpi02Async();

        Assert.True((await _portal.Services.GetRequiredService<UserAdminService>().UpdateAsync(admin, _deniedId, false, [], CancellationToken.None)).Succeeded);

        await AssertTheDeniedUserIsRefusedRpi02Async();
    }

    [Fact]
    public async Task RemovingTheRuleThatOpensTheApiClosesItAtOnce()
    {
        var admin = await _portal.AdminAsync();
        var rules = _portal.Services.GetRequiredService<AccessRuleService>();
        await OpenRpi02ToTheDeniedUserThroughTheTestersGroupAsync(admin);
        await AssertTheDeniedUserReservesAndReleasesRpi02Async();

        var added = (await rules.ListAsync(null, CancellationToken.None)).Single(r => r is { SubjectKind: SubjectKind.Group, Subject: "testers" });
        Assert.True((await rules.DeleteAsync(admin, added.Id, CancellationToken.None)).Succeeded);

        await AssertTheDeniedUserIsRefusedRpi02Async();
    }

    /// <summary>The denied user joins a new group "testers", and a rule lets the group reserve rpi-02.</summary>
    private async Task OpenRpi02ToTheDeniedUserThroughTheTestersGroupAsync(Actor admin)
    {
        var users = _portal.Services.GetRequiredService<UserAdminService>();
        Assert.True((await users.CreateGroupAsync(admin, "testers", CancellationToken.None)).Succeeded);
        Assert.True((await users.UpdateAsync(admin, _deniedId, false, ["testers"], CancellationToken.None)).Succeeded);
        var rule = new RuleInput(SubjectKind.Group, "testers", Capability.Instantiate, TargetKind.Board, "rpi-02", RuleEffect.Permit);
        Assert.True((await _portal.Services.GetRequiredService<AccessRuleService>().CreateAsync(admin, rule, CancellationToken.None)).Succeeded);
    }

    private async Task AssertTheDeniedUserReservesAndReleasesRpi02Async()
    {
        var granted = await _denied.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest("rpi-02", null, null, null));
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        var released = await _denied.DeleteAsync($"/api/v1/reservations/{(await granted.Content.ReadFromJsonAsync<ApiReservation>())!.Id}");
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
    }

    private async Task AssertTheDeniedUserIsRefusedRpi02Async()
    {
        var refused = await _denied.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest("rpi-02", null, null, null));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("You lack the Instantiate capability on board rpi-02 (no rule gives Instantiate on rpi-02).", (await refused.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
    }

    private async Task<int> HeldReservationAsync()
    {
        var active = await _allowed.GetFromJsonAsync<List<ApiReservation>>("/api/v1/reservations?active=true");
        if (active!.FirstOrDefault(r => r.Board == "pine-02") is { } held)
        {
            return held.Id;
        }

        var response = await _allowed.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest("pine-02", null, null, null));
        return (await response.Content.ReadFromJsonAsync<ApiReservation>())!.Id;
    }

    /// <summary>A new artifact of the allowed user, fresh for every call (a delete case removes its own).</summary>
    private async Task<int> ArtifactAsync()
    {
        var response = await _allowed.PutAsync($"/api/v1/artifacts/case-{Guid.NewGuid():N}", new ByteArrayContent(Guid.NewGuid().ToByteArray()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ApiArtifact>())!.Id;
    }

    private async Task<int> QueuedRequestAsync()
    {
        if ((await _allowed.GetFromJsonAsync<List<ApiQueueEntry>>("/api/v1/queue"))!.FirstOrDefault() is { } waiting)
        {
            return waiting.Id;
        }

        // pine-02 is held, so a request for a pine with usb=no waits.
        var response = await _allowed.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "pine64-a64-lts", new() { ["usb"] = "no" }, null, Wait: true));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ApiQueueEntry>())!.Id;
    }

    private async Task ReleaseEverythingAsync()
    {
        foreach (var entry in (await _allowed.GetFromJsonAsync<List<ApiQueueEntry>>("/api/v1/queue"))!)
        {
            await _allowed.DeleteAsync($"/api/v1/queue/{entry.Id}");
        }

        foreach (var reservation in (await _allowed.GetFromJsonAsync<List<ApiReservation>>("/api/v1/reservations?active=true"))!)
        {
            await _allowed.DeleteAsync($"/api/v1/reservations/{reservation.Id}");
        }
    }
}
