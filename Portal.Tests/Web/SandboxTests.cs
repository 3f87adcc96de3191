using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Portal.Data;
using Portal.Hardware;
using Portal.Observability;
using Portal.Reservations;
using Portal.Sandboxes;
using Portal.Tests.Hardware;
using Portal.Tests.Support;
using Portal.Webhooks;

namespace Portal.Tests.Web;

/// <summary>Sandboxes of reservations in the whole portal, against the real Docker engine.</summary>
public sealed class SandboxTests : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("portal-sandbox-");
    private readonly List<string> _owners = [];
    private PtyPair _line = null!;

    public async Task InitializeAsync()
    {
        _line = new PtyPair(_directory.FullName);
        await _line.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _line.DisposeAsync();
        foreach (var owner in _owners)
        {
            await DockerEngine.RemoveContainersOfAsync(owner);
        }

        SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    [DockerFact]
    public async Task TheHolderLaunchesASandboxWithTheBoardsSerialLineAndReleaseTearsItDown()
    {
        await using var portal = Portal();
        var admin = await portal.AdminAsync();
        var alice = await portal.CreateUserAsync("alice@lab.test", "Alice-Pass-1");
        await AssignTestImageAsync(portal, admin);
        var statuses = RecordStatuses(portal);
        using var launchTimes = new MetricCollector<double>(portal.Services.GetRequiredService<IMeterFactory>(), PortalMetrics.MeterName, "portal.sandbox.launch");
        var reservation = await ReserveAsync(portal, alice, "pine-01");
        var sandboxes = portal.Services.GetRequiredService<SandboxService>();

        var launched = await sandboxes.LaunchAsync(alice, reservation, image: null, CancellationToken.None);

        Assert.Null(launched.Error);
        var sandbox = launched.Sandbox!;
        Assert.Equal(SandboxStatus.Ready, sandbox.Status);
        Assert.Equal(["Init", "Ready"], statuses());
        await launchTimes.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(30));
        var launchTime = Assert.Single(launchTimes.GetMeasurementSnapshot());
        Assert.Equal("ready", launchTime.Tags["outcome"]);
        Assert.InRange(launchTime.Value, 0.001, 120);
        Assert.Matches(@"^/dev/pts/\d+ \(a pseudo-terminal\) bind-mounted at /dev/ttyBOARD$", sandbox.Passthrough);
        var labels = await DockerEngine.CliAsync("inspect", "-f",
            "{{index .Config.Labels \"portal.reservation\"}} {{index .Config.Labels \"portal.board\"}} {{index .Config.Labels \"portal.user\"}}", sandbox.ContainerName);
        Assert.Equal($"{reservation} pine-01 alice@lab.test", labels);

        // A terminal in the sandbox reaches the board's serial line, and writes a line to the container's own output.
        await using (var shell = await sandboxes.OpenShellAsync(alice, sandbox.Id, 80, 24, CancellationToken.None))
        {
            await using var board = _line.OpenPeer();
            var terminal = new ConsoleReader(shell);
            await terminal.TypeAsync("echo hello-board > /dev/ttyBOARD; echo sandbox-log-line > /proc/1/fd/1; echo done-$((1+1))\n");
            await PtyPair.ReadUntilAsync(board, "hello-board");
            await terminal.WaitForAsync("done-2");
        }

        await portal.Services.GetRequiredService<ReservationLifecycle>().ReleaseAsync(alice, reservation, CancellationToken.None);

        // At once, before the teardown in the background has begun: the board is no longer hers, nor is its sandbox.
        var afterRelease = await Assert.ThrowsAsync<ShellSessionException>(() => sandboxes.OpenShellAsync(alice, sandbox.Id, 80, 24, CancellationToken.None));
        Assert.Equal($"Sandbox {sandbox.ContainerName} is TERMINATING, not READY.", afterRelease.Message);
        await EventuallyAsync(async () => (await sandboxes.GetAsync(sandbox.Id, CancellationToken.None))!.Status == SandboxStatus.Terminated, "the sandbox to be TERMINATED");
        Assert.Equal(["Init", "Ready", "Terminating", "Terminated"], statuses());
        Assert.Empty(await DockerEngine.ContainersOfAsync(portal.ContainerOwner));
        Assert.Contains("sandbox-log-line", await sandboxes.LogsAsync(alice, sandbox.Id, CancellationToken.None));
    }

    [DockerFact]
    public async Task ASandboxRunsAsTheConfiguredUserWithoutCapabilitiesSwapOrNewPrivilegesAsTheEngineReportsIt()
    {
        await using var portal = Portal()
            .WithSetting("Lab:Containers:PidsLimit", "100")
            .WithSetting("Lab:Containers:CapAdd:0", "NET_RAW")
            .WithSetting("Lab:Containers:User", "1234:1234")
            .WithSetting("Lab:Containers:MemoryMegabytes", "256");
        var admin = await portal.AdminAsync();
        var alice = await portal.CreateUserAsync("alice@lab.test", "Alice-Pass-1");
        await AssignTestImageAsync(portal, admin);
        var reservation = await ReserveAsync(portal, alice, "pine-01");
        var sandboxes = portal.Services.GetRequiredService<SandboxService>();

        var launched = await sandboxes.LaunchAsync(alice, reservation, null, CancellationToken.None);

        Assert.Null(launched.Error);
        var sandbox = launched.Sandbox!;
        var inspected = await DockerEngine.CliAsync("inspect", "-f",
            "{{.HostConfig.PidsLimit}} {{json .HostConfig.CapDrop}} {{json .HostConfig.CapAdd}} {{json .HostConfig.SecurityOpt}} " +
            "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.Config.User}} {{json .HostConfig.GroupAdd}} {{.HostConfig.Privileged}}",
            sandbox.ContainerName);
        Assert.Equal($"100 [\"ALL\"] [\"NET_RAW\"] [\"no-new-privileges\"] 268435456 268435456 1234:1234 [\"{DialoutGroup()}\"] false", inspected);

        // What the kernel says inside: that user, no effective capabilities, only NET_RAW (bit 13) in the bounding set, no new privileges,
        // and the board's serial line (root:dialout 0660, as udev makes a USB adapter) usable through the device's group.
        await using var shell = await sandboxes.OpenShellAsync(alice, sandbox.Id, 80, 24, CancellationToken.None);
        await using var board = _line.OpenPeer();
        var terminal = new ConsoleReader(shell);
        await terminal.TypeAsync("id; awk '/^(CapEff|CapBnd|NoNewPrivs)/ { print $1 $2 }' /proc/self/status; echo from-user-1234 > /dev/ttyBOARD; echo end-$((2+2))\n");
        await terminal.WaitForAsync("end-4");
        await PtyPair.ReadUntilAsync(board, "from-user-1234");
        Assert.Contains("uid=1234 gid=1234", terminal.Seen);
        Assert.Contains("CapEff:0000000000000000", terminal.Seen);
        Assert.Contains("CapBnd:0000000000002000", terminal.Seen);
        Assert.Contains("NoNewPrivs:1", terminal.Seen);
    }

    [DockerFact]
    public async Task AForkBombInASandboxStopsAtThePidsLimitWhileThePortalAndTheEngineKeepAnswering()
    {
        const int limit = 64;
        await using var portal = Portal()
            .WithSetting("Lab:Containers:PidsLimit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithSetting("Lab:Containers:Cpus", "0.5");
        var admin = await portal.AdminAsync();
        var alice = await portal.CreateUserAsync("alice@lab.test", "Alice-Pass-1");
        await AssignTestImageAsync(portal, admin);
        var reservation = await ReserveAsync(portal, alice, "pine-01");
        var sandboxes = portal.Services.GetRequiredService<SandboxService>();
        var sandbox = (await sandboxes.LaunchAsync(alice, reservation, null, CancellationToken.None)).Sandbox!;
        Assert.Equal(SandboxStatus.Ready, sandbox.Status);
        using var client = await portal.LoggedInClientAsync("alice@lab.test", "Alice-Pass-1");
        using var engine = DockerEngine.Provider();

        await using (var shell = await sandboxes.OpenShellAsync(alice, sandbox.Id, 80, 24, CancellationToken.None))
        {
            var terminal = new ConsoleReader(shell);
            await terminal.TypeAsync("bomb() { bomb | bomb & }; bomb 2>/dev/null; echo bomb-$((6*7))\n");
            await terminal.WaitForAsync("bomb-42");
        }

        // The bomb reaches the limit and stays under it, while the portal's pages and the engine's API still answer (each bounded at 10 s).
        var counts = new List<int>();
        await EventuallyAsync(async () =>
        {
            counts.Add(await ProcessCountAsync(sandbox.ContainerName));
            return counts[^1] >= limit - 8;
        }, "the fork bomb to reach the PIDs limit");
        for (var sample = 0; sample < 3; sample++)
        {
            using (var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("boards", bound.Token)).StatusCode);
                await engine.PingAsync(bound.Token);
            }

            counts.Add(await ProcessCountAsync(sandbox.ContainerName));
        }

        Assert.All(counts, count => Assert.InRange(count, 0, limit));

        var stopped = await sandboxes.StopAsync(alice, sandbox.Id, CancellationToken.None);
        Assert.Null(stopped.Error);
        await EventuallyAsync(async () => (await sandboxes.GetAsync(sandbox.Id, CancellationToken.None))!.Status == SandboxStatus.Terminated, "the sandbox to be TERMINATED");
        Assert.Empty(await DockerEngine.ContainersOfAsync(portal.ContainerOwner));
    }

    [DockerFact]
    public async Task TheHoldersNewestArtifactOfEachNameIsInTheSandboxReadOnlyAndNobodyElses()
    {
        await using var portal = Portal();
        var admin = await portal.AdminAsync();
        var alice = await portal.CreateUserAsync("alice@lab.test", "Alice-Pass-1");
        var bob = await portal.CreateUserAsync("bob@lab.test", "Bob-Pass-1234");
        await AssignTestImageAsync(portal, admin);
        var store = portal.Services.GetRequiredService<Portal.Artifacts.ArtifactStore>();
        await AddArtifactAsync(store, alice, "firmware.bin", "old firmware");
        await Task.Delay(20);
        var newest = await AddArtifactAsync(store, alice, "firmware.bin", "new firmware");
        await AddArtifactAsync(store, bob, "bobs.img", "not alice's");
        var reservation = await ReserveAsync(portal, alice, "pine-01");
        var sandboxes = portal.Services.GetRequiredService<SandboxService>();

        var launched = await sandboxes.LaunchAsync(alice, reservation, null, CancellationToken.None);

        Assert.Null(launched.Error);
        await using var shell = await sandboxes.OpenShellAsync(alice, launched.Sandbox!.Id, 80, 24, CancellationToken.None);
        var terminal = new ConsoleReader(shell);
        await terminal.TypeAsync("ls /artifacts; sha256sum /artifacts/firmware.bin; echo x >> /artifacts/firmware.bin || echo refused-write; awk '$2 == \"/artifacts/firmware.bin\" { print \"mounted-\" substr($4, 1, 3) }' /proc/mounts; echo end-$((2+2))\n");
        await terminal.WaitForAsync("end-4");
        Assert.Contains($"{newest[7..]}  /artifacts/firmware.bin", terminal.Seen);
        Assert.Contains("mounted-ro,", terminal.Seen);
        Assert.Contains("refused-write", terminal.Seen);
        Assert.DoesNotContain("bobs.img", terminal.Seen);
    }

    private static async Task<string> AddArtifactAsync(Portal.Artifacts.ArtifactStore store, Actor owner, string name, string text)
    {
        using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        var upload = await store.AddAsync(owner, name, [], content, content.Length, null, CancellationToken.None);
        Assert.Null(upload.Error);
        return upload.Artifact!.Digest;
    }

    [DockerFact]
    public async Task AnUploadThatIsNotATarIsRefusedSayingSo()
    {
        await using var portal = Portal();
        var admin = await portal.AdminAsync();
        await AssignTestImageAsync(portal, admin);
        var reservation = await ReserveAsync(portal, admin, "pine-01");
        var sandbox = (await portal.Services.GetRequiredService<SandboxService>().LaunchAsync(admin, reservation, null, CancellationToken.None)).Sandbox!;
        var files = portal.Services.GetRequiredService<SandboxFiles>();

        var refused = await Assert.ThrowsAsync<Portal.Hardware.Containers.ContainerEngineException>(() =>
            files.CopyInAsync(admin, sandbox.Id, "/tmp", new MemoryStream(System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("this is not a tar archive\n", 100)))), CancellationToken.None));

        Assert.StartsWith("the upload is not a tar archive", refused.Message);
    }

    [DockerFact]
    public async Task OnlyTheHolderLaunchesAndOnlyFromAnAssignedImage()
    {
        await using var portal = Portal();
        var admin = await portal.AdminAsync();
        var alice = await portal.CreateUserAsync("alice@lab.test", "Alice-Pass-1");
        var bob = await portal.CreateUserAsync("bob@lab.test", "Bob-Pass-1234");
        var reservation = await ReserveAsync(portal, alice, "pine-01");
        var sandboxes = portal.Services.GetRequiredService<SandboxService>();

        Assert.Equal("No sandbox image is assigned to class pine64-a64-lts; an admin assigns one on the Images page.",
            (await sandboxes.LaunchAsync(alice, reservation, null, CancellationToken.None)).Error);

        await AssignTestImageAsync(portal, admin);
        Assert.Equal("Only the holder of board pine-01 may do that with its sandbox.",
            (await sandboxes.LaunchAsync(bob, reservation, null, CancellationToken.None)).Error);
        Assert.Equal("Image busybox:other is not assigned to class pine64-a64-lts.",
            (await sandboxes.LaunchAsync(alice, reservation, "busybox:other", CancellationToken.None)).Error);

        Assert.Null((await sandboxes.LaunchAsync(alice, reservation, null, CancellationToken.None)).Error);
        Assert.Equal($"Reservation {reservation} already has a sandbox; stop it before launching another.",
            (await sandboxes.LaunchAsync(alice, reservation, null, CancellationToken.None)).Error);
        Assert.Single(await DockerEngine.ContainersOfAsync(portal.ContainerOwner));
    }

    [DockerFact]
    public async Task AContainerRemovedBehindThePortalsBackShowsFailedAndTellsTheWebhook()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        await using var portal = Portal();
        var admin = await portal.AdminAsync();
        Assert.Null(await portal.Services.GetRequiredService<WebhookService>().AddAsync(admin, receiver.Url, "a-shared-secret-of-the-lab", WebhookEvents.SandboxFailed, CancellationToken.None));
        await AssignTestImageAsync(portal, admin);
        var reservation = await ReserveAsync(portal, admin, "pine-02");
        var sandboxes = portal.Services.GetRequiredService<SandboxService>();
        var sandbox = (await sandboxes.LaunchAsync(admin, reservation, null, CancellationToken.None)).Sandbox!;

        await DockerEngine.CliAsync("rm", "-f", sandbox.ContainerName);

        await EventuallyAsync(async () => (await sandboxes.GetAsync(sandbox.Id, CancellationToken.None))!.Status == SandboxStatus.Failed, "the sandbox to be FAILED");
        Assert.Equal("container was removed outside the portal", (await sandboxes.GetAsync(sandbox.Id, CancellationToken.None))!.Reason);
        await EventuallyAsync(() => Task.FromResult(!receiver.Received.IsEmpty), "the webhook to hear of it");
        var told = Assert.Single(receiver.Received);
        Assert.Equal("sandbox.failed", told.Event);
        using var body = System.Text.Json.JsonDocument.Parse(told.Body);
        Assert.Equal("container was removed outside the portal", body.RootElement.GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal("pine-02", body.RootElement.GetProperty("data").GetProperty("board").GetString());
    }

    [DockerFact]
    public async Task AStoppedEngineIsNamedTheRestWorksAndALaunchAfterItReturnsSucceeds()
    {
        // The engine the portal is pointed at is a socket that forwards to the real engine only while the proxy runs.
        var socket = Path.Combine(_directory.FullName, "docker.sock");
        await using var portal = Portal().WithSetting("Lab:Containers:Endpoint", $"unix://{socket}");
        var admin = await portal.AdminAsync();
        await AssignTestImageAsync(portal, admin);
        var reservation = await ReserveAsync(portal, admin, "pine-01");
        var sandboxes = portal.Services.GetRequiredService<SandboxService>();

        var failed = await sandboxes.LaunchAsync(admin, reservation, null, CancellationToken.None);

        Assert.Equal($"Docker engine at unix://{socket} is not reachable", failed.Error);
        Assert.Equal(SandboxStatus.Failed, failed.Sandbox!.Status);
        using var client = await portal.LoggedInClientAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        var boards = await client.GetAsync("boards");
        Assert.Equal(HttpStatusCode.OK, boards.StatusCode);
        Assert.Contains("pine-01", await boards.Content.ReadAsStringAsync());

        using var engine = Process.Start(new ProcessStartInfo(PtyPair.Socat, [$"UNIX-LISTEN:{socket},fork", $"UNIX-CONNECT:{DockerEngine.Socket}"]))!;
        try
        {
            // socat binds (the file appears) before it listens: the proxy is there once a connection is taken.
            await EventuallyAsync(() => Task.FromResult(Accepts(socket)), "the engine's socket to take connections");
            Assert.Null(await sandboxes.EngineProblemAsync(CancellationToken.None));
            var launched = await sandboxes.LaunchAsync(admin, reservation, null, CancellationToken.None);
            Assert.Null(launched.Error);
            Assert.Equal(SandboxStatus.Ready, launched.Sandbox!.Status);
        }
        finally
        {
            engine.Kill();
        }
    }

    [DockerFact]
    public async Task AtStartTheContainerOfASandboxThatIsNoLongerLiveIsRemoved()
    {
        await using var portal = Portal();
        await DockerEngine.CliAsync("run", "-d", "-it", "--name", $"{portal.ContainerOwner}-left", "--label", $"portal.owner={portal.ContainerOwner}",
            "--label", "portal.sandbox=4242", DockerEngine.TestImage);
        Assert.Single(await DockerEngine.ContainersOfAsync(portal.ContainerOwner));

        _ = portal.Services;

        await EventuallyAsync(async () => (await DockerEngine.ContainersOfAsync(portal.ContainerOwner)).Count == 0, "the orphaned container to be removed");
    }

    [DockerFact]
    public async Task AKilledPortalLeavesNoContainerOnceTheReservationIsReleased()
    {
        var owner = DockerEngine.NewOwner();
        _owners.Add(owner);
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = $"Data Source={Path.Combine(_directory.FullName, "portal.db")}",
            ["Portal:Admin:Password"] = PortalFactory.AdminPassword,
            ["Consoles:LogDirectory"] = Path.Combine(_directory.FullName, "console-logs"),
            ["Lab:Containers:Owner"] = owner,
        };
        string secret;
        await using (var setup = new PortalFactory().WithSetting("ConnectionStrings:Portal", settings["ConnectionStrings:Portal"]).WithSetting("Lab:Containers:Owner", owner))
        {
            secret = await setup.CreateTokenAsync("alice@lab.test");
            await AssignTestImageAsync(setup, await setup.AdminAsync());
            var alice = (await setup.Services.GetRequiredService<Portal.Identity.UserAdminService>().ListAsync(CancellationToken.None)).Single(u => u.Email == "alice@lab.test");
            var actor = new Actor(alice.Id, alice.Email, IsAdmin: false);
            var reservation = await ReserveAsync(setup, actor, "pine-01");
            Assert.Null((await setup.Services.GetRequiredService<SandboxService>().LaunchAsync(actor, reservation, null, CancellationToken.None)).Error);
        }

        SqliteConnection.ClearAllPools();
        await using (var first = await PortalProcess.StartAsync(settings))
        {
            await first.KillAsync();
        }

        Assert.Single(await DockerEngine.ContainersOfAsync(owner));
        await using var second = await PortalProcess.StartAsync(settings);
        using var api = new HttpClient { BaseAddress = second.Address };
        api.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        var mine = await api.GetStringAsync("api/v1/reservations");
        var id = System.Text.Json.JsonDocument.Parse(mine).RootElement.EnumerateArray().First().GetProperty("id").GetInt32();
        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync($"api/v1/reservations/{id}")).StatusCode);

        await EventuallyAsync(async () => (await DockerEngine.ContainersOfAsync(owner)).Count == 0, "the sandbox's container to be removed");
    }

    [DockerFact]
    public async Task AReleaseThatCommitsWhileALaunchIsUnderWayLeavesNoSandboxBehind()
    {
        // The release commits after the launch found the reservation active and before it saved the sandbox, and its
        // teardown has looked for the reservation's sandboxes (none yet) by the time the launch saves one.
        var race = new ReleaseBeforeTheSandboxIsSaved();
        await using var portal = Portal().WithServices(services =>
        {
            services.ConfigureDbContext<ApplicationDbContext>(options => options.AddInterceptors(race));
            services.ConfigureDbContext<PostgresDbContext>(options => options.AddInterceptors(race));
        });
        var admin = await portal.AdminAsync();
        var alice = await portal.CreateUserAsync("alice@lab.test", "Alice-Pass-1");
        await AssignTestImageAsync(portal, admin);
        var reservation = await ReserveAsync(portal, alice, "pine-01");
        race.Release = () => portal.Services.GetRequiredService<ReservationLifecycle>().ReleaseAsync(alice, reservation, CancellationToken.None);
        var sandboxes = portal.Services.GetRequiredService<SandboxService>();

        var launched = await sandboxes.LaunchAsync(alice, reservation, image: null, CancellationToken.None);

        Assert.True(race.TeardownLooked, "the release's teardown looked for the reservation's sandboxes before the launch saved one");
        Assert.Equal($"Reservation {reservation} ended while its sandbox was being launched.", launched.Error);
        var latest = await sandboxes.LatestForBoardAsync("pine-01", CancellationToken.None);
        Assert.Equal(SandboxStatus.Failed, latest!.Status);
        Assert.Equal($"reservation {reservation} ended while the sandbox was being launched", latest.Reason);
        Assert.Empty(await DockerEngine.ContainersOfAsync(portal.ContainerOwner));
    }

    /// <summary>Before the first sandbox is saved, releases the reservation and waits for its teardown's look for sandboxes.</summary>
    private sealed class ReleaseBeforeTheSandboxIsSaved : DbCommandInterceptor
    {
        private readonly TaskCompletionSource _looked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _released;

        public Func<Task>? Release { get; set; }

        public bool TeardownLooked => _looked.Task.IsCompleted;

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (Release is { } release && command.CommandText.Contains("INSERT INTO \"Sandboxes\"", StringComparison.Ordinal) && Interlocked.Exchange(ref _released, 1) == 0)
            {
                await release();
                // Bounded: a teardown that never looks fails the test's first assertion, not by hanging it.
                await Task.WhenAny(_looked.Task, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken));
            }

            return result;
        }

        public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (Volatile.Read(ref _released) == 1 && command.CommandText.Contains("FROM \"Sandboxes\"", StringComparison.Ordinal) && command.CommandText.Contains("\"ReservationId\" =", StringComparison.Ordinal))
            {
                _looked.TrySetResult();
            }

            return ValueTask.FromResult(result);
        }
    }

    private PortalFactory Portal()
    {
        var portal = new PortalFactory()
            .WithSetting("Lab:Boards:0:Console:Driver", "serial")
            .WithSetting("Lab:Boards:0:Console:Device", _line.Device)
            .WithSetting("Lab:Containers:StopGrace", "00:00:00")
            .WithSetting("Lab:Containers:ReconcileInterval", "00:00:02");
        _owners.Add(portal.ContainerOwner);
        return portal;
    }

    /// <summary>The processes and threads in the container now, as the engine counts them (<c>docker stats</c>' PIDS).</summary>
    private static async Task<int> ProcessCountAsync(string container) =>
        int.Parse(await DockerEngine.CliAsync("stats", "--no-stream", "--format", "{{.PIDs}}", container), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The gid of this host's dialout group, which owns the test's serial line.</summary>
    private static string DialoutGroup() =>
        File.ReadLines("/etc/group").Select(line => line.Split(':')).Single(fields => fields[0] == "dialout")[2];

    private static async Task AssignTestImageAsync(PortalFactory portal, Actor admin)
    {
        var images = portal.Services.GetRequiredService<SandboxImageService>();
        Assert.Null(await images.AssignAsync(admin, "pine64-a64-lts", DockerEngine.TestImage, "/bin/sh", isDefault: true, CancellationToken.None));
    }

    private static async Task<int> ReserveAsync(PortalFactory portal, Actor actor, string board)
    {
        var outcome = await portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(actor, board, null, CancellationToken.None);
        Assert.Null(outcome.Error);
        return outcome.Reservation!.Id;
    }

    /// <summary>The sandbox statuses published from now on, repeats folded, as an open page hears them.</summary>
    private static Func<string[]> RecordStatuses(PortalFactory portal)
    {
        var log = new LabEventLog(portal.Services.GetRequiredService<LabEvents>());
        return () => log.Events.OfType<SandboxChanged>().Select(c => c.Status.ToString())
            .Aggregate(new List<string>(), (statuses, status) =>
            {
                if (statuses.LastOrDefault() != status)
                {
                    statuses.Add(status);
                }

                return statuses;
            })
            .ToArray();
    }

    /// <summary>Whether something listens on the Unix socket: a connection is taken.</summary>
    private static bool Accepts(string unixSocket)
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            probe.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(unixSocket));
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>Polls until the condition holds; the bound only keeps a broken test from hanging.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited 30 s for {what}");
            }

            await Task.Delay(100);
        }
    }
}
