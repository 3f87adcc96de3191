using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Lab;
using Portal.Reservations;

namespace Portal.Tests.Support;

/// <summary>
/// The real reservation services (queries, lifecycle, queue) and their background worker over a migrated in-memory
/// database, a fake clock and an optional setup script.
/// </summary>
public sealed class TestReservations : IDisposable
{
    public TestDatabase Database { get; } = new();

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    public LabOptions Lab { get; } = new();

    public ReservationOptions Options { get; } = new() { DefaultLease = TimeSpan.FromHours(1), MaxLease = TimeSpan.FromHours(4) };

    /// <summary>What the service published, as an open page hears it.</summary>
    public IReadOnlyList<LabEvent> Events => _log.Events;

    public ReservationQueries Queries { get; }

    public ReservationLifecycle Lifecycle { get; }

    public ReservationQueue Queue { get; }

    public LifecycleJobs Jobs { get; } = new();

    /// <summary>The notifier the service publishes to.</summary>
    public LabEvents Bus { get; } = LabEventLog.NewBus();

    private readonly LabEventLog _log;

    private readonly LifecycleWorker _worker;

    private readonly SetupScriptRunner _scripts;

    public TestReservations()
    {
        var events = Bus;
        _log = new LabEventLog(events);
        var options = new StaticOptionsMonitor<ReservationOptions>(Options);
        var access = new AccessPolicy(Database, Bus);
        _scripts = new SetupScriptRunner(new StaticOptionsMonitor<LabOptions>(Lab), new SshKeyService(Database, Clock, NullLogger<SshKeyService>.Instance), NullLogger<SetupScriptRunner>.Instance);
        var audit = new AuditLog(Database, Clock);
        Queries = new ReservationQueries(Database);
        Lifecycle = new ReservationLifecycle(
            Database,
            options,
            _scripts,
            access,
            audit,
            Queries,
            Jobs,
            new LifecycleWrites(Database, NullLogger<LifecycleWrites>.Instance),
            events,
            new Health.HealthCheckTriggers(new StaticOptionsMonitor<LabOptions>(Lab)),
            Clock,
            NullLogger<ReservationLifecycle>.Instance);
        Queue = new ReservationQueue(Database, options, access, Lifecycle, Queries, audit, events, Clock);
        _worker = new LifecycleWorker(Jobs, Lifecycle, Queue, new Portal.Cluster.SoleLeadership(), NullLogger<LifecycleWorker>.Instance);
        _worker.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>Waits until the background jobs asked for so far (scripts, queue serving) have run.</summary>
    public Task IdleAsync() => Jobs.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Adds classes and boards ("class/board" or "class/board:tag=value") and users, as the lab sync and admins would.</summary>
    public async Task SeedAsync(string[] boards, params string[] users)
    {
        foreach (var spec in boards)
        {
            var (cls, rest) = (spec.Split('/')[0], spec.Split('/')[1]);
            var parts = rest.Split(':');
            Lab.Classes.TryAdd(cls, new BoardClassOptions { Arch = "arm64" });
            var board = new BoardOptions { Name = parts[0], Class = cls };
            foreach (var tag in parts.Skip(1))
            {
                board.Tags[tag.Split('=')[0]] = tag.Split('=')[1];
            }

            Lab.Boards.Add(board);
        }

        await new LabSynchronizer(Database, Microsoft.Extensions.Options.Options.Create(Lab), TestLab.Drivers(), Clock, NullLogger<LabSynchronizer>.Instance).SyncAsync(CancellationToken.None);
        await using var db = Database.CreateDbContext();
        foreach (var user in users)
        {
            db.Users.Add(new ApplicationUser { Id = user, UserName = $"{user}@lab.test", Email = $"{user}@lab.test" });
        }

        // As the demo lab's default rules: everyone may reserve every board.
        if (!db.AccessRules.Any())
        {
            db.AccessRules.Add(new AccessRule { SubjectKind = SubjectKind.Everyone, Capability = Capability.Instantiate, TargetKind = TargetKind.All, Effect = RuleEffect.Permit });
        }

        await db.SaveChangesAsync();
    }

    public static Actor User(string id) => new(id, $"{id}@lab.test", IsAdmin: false);

    public static Actor Admin(string id) => new(id, $"{id}@lab.test", IsAdmin: true);

    public void Dispose()
    {
        _worker.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        _worker.Dispose();
        _scripts.Dispose();
        _log.Dispose();
        Database.Dispose();
    }
}

public sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
