using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Consoles;
using Portal.Data;
using Portal.Hardware;
using Portal.Hardware.Containers;
using Portal.Lab;
using Portal.Reservations;

namespace Portal.Sandboxes;

/// <summary>
/// Sandbox containers of reservations. The database says which sandboxes should live; the engine says which
/// containers do; <see cref="ReconcileAsync"/> makes the second follow the first, so a crash, a restart or an
/// engine outage never leaves a container behind or a sandbox shown READY that is gone.
/// </summary>
public sealed class SandboxService(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    IContainerProvider engine,
    IOptionsMonitor<SandboxOptions> options,
    IOptionsMonitor<LabOptions> lab,
    AccessPolicy access,
    ConsoleBroker consoles,
    Artifacts.ArtifactStore artifacts,
    AuditLog audit,
    LabEvents events,
    TimeProvider clock,
    ILogger<SandboxService> logger)
{
    /// <summary>Every container of the portal carries it, with the sandbox's id as value.</summary>
    public const string SandboxLabel = "portal.sandbox";

    public const string OwnerLabel = "portal.owner";

    /// <summary>Where a sandbox finds its holder's artifacts (the newest of each name), read-only.</summary>
    public const string ArtifactsFolder = "/artifacts";

    // A reservation's live sandboxes: read after every reservation that ends, so compiled once per instance (a compiled
    // query serves one model, and a process may host several portals, as the tests do).
    private readonly Func<ApplicationDbContext, int, IAsyncEnumerable<int>> _liveOf = EF.CompileAsyncQuery(
        (ApplicationDbContext db, int reservationId) => db.Sandboxes
            .Where(s => s.ReservationId == reservationId && (s.Status == SandboxStatus.Init || s.Status == SandboxStatus.Ready))
            .Select(s => s.Id));

    /// <summary>A sandbox still INIT after this was being launched by a portal that died.</summary>
    private static readonly TimeSpan LaunchTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How long a launch waits for the board's console to close the serial device before the sandbox fails.</summary>
    private static readonly TimeSpan LendTimeout = TimeSpan.FromSeconds(10);

    private const string Removed = "container was removed outside the portal";

    // The device loans of live sandboxes, from launch (or, after a restart, reconciliation) until the sandbox ends.
    private readonly ConcurrentDictionary<int, DeviceLoan> _loans = new();

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public string Endpoint => engine.Endpoint;

    /// <summary>Only this portal's containers: several portals, or test runs, may share an engine.</summary>
    public string OwnerFilter => $"{OwnerLabel}={options.CurrentValue.Owner}";

    /// <summary>Container names are unique per engine, so they carry the owner: <c>portal-sandbox-7</c> by default.</summary>
    public static string ContainerName(string owner, int sandboxId) => $"{owner}-sandbox-{sandboxId}";

    private string ContainerName(int sandboxId) => ContainerName(options.CurrentValue.Owner, sandboxId);

    /// <summary>The holder's artifacts for <see cref="ArtifactsFolder"/>: the newest of each name (the list is newest first).</summary>
    private async Task<IReadOnlyList<SandboxFile>> ArtifactFilesAsync(string userId) =>
        (await artifacts.ListAsync(CancellationToken.None))
            .Where(a => a.UploaderId == userId)
            .GroupBy(a => a.Name)
            .Select(g => g.First())
            .Select(a => new SandboxFile(artifacts.PathOf(a), $"{ArtifactsFolder}/{a.Name}"))
            .ToList();

    /// <summary>The board's newest sandbox, live or not: what its page shows.</summary>
    public async Task<SandboxView?> LatestForBoardAsync(string board, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Views(db.Sandboxes.Where(s => s.Reservation.Board.Name == board).OrderByDescending(s => s.Id)).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<SandboxView?> GetAsync(int sandboxId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Views(db.Sandboxes.Where(s => s.Id == sandboxId)).SingleOrDefaultAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ClassImageView>> ImagesForClassAsync(string boardClass, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ClassImages.AsNoTracking()
            .Where(i => i.BoardClass.Name == boardClass)
            .OrderByDescending(i => i.IsDefault).ThenBy(i => i.Image)
            .Select(i => new ClassImageView(i.Id, i.BoardClass.Name, i.Image, i.Shell, i.IsDefault))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Whether the engine answers: null when it does, else the sentence to show.</summary>
    public async Task<string?> EngineProblemAsync(CancellationToken cancellationToken)
    {
        try
        {
            await engine.PingAsync(cancellationToken);
            return null;
        }
        catch (ContainerEngineException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Launches a sandbox for the holder of an active reservation, from the class's default image or one of its
    /// assigned images, with the board's serial device passed in. Returns once it is READY or FAILED.
    /// </summary>
    public async Task<SandboxOutcome> LaunchAsync(Actor actor, int reservationId, string? image, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var reservation = await db.Reservations.Include(r => r.Board).ThenInclude(b => b.Class).Include(r => r.User)
            .SingleOrDefaultAsync(r => r.Id == reservationId, cancellationToken);
        if (reservation is null || reservation.State != ReservationState.Active)
        {
            return SandboxOutcome.Fail($"Reservation {reservationId} is not active.");
        }

        var board = reservation.Board;
        if (await RefusalAsync(actor, reservation.UserId!, board.Name, cancellationToken) is { } refusal)
        {
            return SandboxOutcome.Fail(refusal);
        }

        var assigned = await db.ClassImages.AsNoTracking().Where(i => i.BoardClassId == board.BoardClassId).ToListAsync(cancellationToken);
        var chosen = image is null
            ? assigned.OrderByDescending(i => i.IsDefault).ThenBy(i => i.Id).FirstOrDefault()
            : assigned.FirstOrDefault(i => i.Image == image);
        if (chosen is null)
        {
            return SandboxOutcome.Fail(image is null
                ? $"No sandbox image is assigned to class {board.Class.Name}; an admin assigns one on the Images page."
                : $"Image {image} is not assigned to class {board.Class.Name}.");
        }

        var sandbox = new Sandbox
        {
            ReservationId = reservation.Id,
            ActiveReservationId = reservation.Id,
            Image = chosen.Image,
            Shell = chosen.Shell,
            Status = SandboxStatus.Init,
            CreatedAt = Now,
        };
        db.Sandboxes.Add(sandbox);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            return SandboxOutcome.Fail($"Reservation {reservation.Id} already has a sandbox; stop it before launching another.");
        }

        // A release that committed since the check above may have looked for this reservation's sandboxes before this
        // row was saved, and its teardown found none. Looking again now closes the gap: either the teardown saw the row,
        // or this sees the release. Else the container would keep the board's device beside its next holder.
        if (!await db.Reservations.AnyAsync(r => r.Id == reservation.Id && r.State == ReservationState.Active, cancellationToken))
        {
            var reason = $"reservation {reservation.Id} ended while the sandbox was being launched";
            await EndAsync(sandbox.Id, failedBecause: reason, logs: null);
            await PublishAsync(sandbox.Id);
            logger.LogInformation("Sandbox {Sandbox} of {Board} not started: {Reason}", sandbox.Id, board.Name, reason);
            return SandboxOutcome.Fail($"Reservation {reservation.Id} ended while its sandbox was being launched.");
        }

        await PublishAsync(sandbox.Id);
        await audit.WriteAsync(actor.Email, "sandbox.launch", board.Name, reservation.Id, $"image {chosen.Image}", CancellationToken.None);

        var settings = options.CurrentValue;
        var device = SerialDeviceOf(board.Name);
        if (device is not null)
        {
            var loan = _loans.GetOrAdd(sandbox.Id, id => consoles.Lend(board.Name, $"sandbox {ContainerName(id)}"));
            try
            {
                await loan.Closed.WaitAsync(LendTimeout, CancellationToken.None);
            }
            catch (TimeoutException)
            {
                var reason = $"the console of {board.Name} did not let go of {device} within {LendTimeout.TotalSeconds:0} s";
                logger.LogWarning("Sandbox {Sandbox} of {Board} failed: {Reason}", sandbox.Id, board.Name, reason);
                await EndAsync(sandbox.Id, failedBecause: reason, logs: null);
                var failed = await PublishAsync(sandbox.Id);
                return new SandboxOutcome(failed, reason);
            }
        }

        var spec = new SandboxContainerSpec(
            ContainerName(sandbox.Id),
            chosen.Image,
            new Dictionary<string, string>
            {
                [SandboxLabel] = sandbox.Id.ToString(CultureInfo.InvariantCulture),
                [OwnerLabel] = settings.Owner,
                ["portal.reservation"] = reservation.Id.ToString(CultureInfo.InvariantCulture),
                ["portal.board"] = board.Name,
                ["portal.user"] = reservation.User!.Email ?? reservation.UserId!,
            },
            device,
            settings.ContainerDevicePath,
            settings.Cpus,
            settings.MemoryMegabytes * 1024L * 1024,
            settings.NetworkMode,
            settings.User,
            settings.PidsLimit,
            settings.CapAdd,
            await ArtifactFilesAsync(reservation.UserId!));
        try
        {
            // Not the page's token: a launch begun is finished (or undone) even if the tab goes away.
            var container = await engine.RunAsync(spec, CancellationToken.None);
            var passthrough = Describe(container, settings.ContainerDevicePath);
            var ready = await db.Sandboxes.ReadyAsync(sandbox.Id, container.Id, passthrough, Now, CancellationToken.None);
            if (ready == 0)
            {
                // The reservation ended while the container started; its teardown may have missed the container.
                await engine.RemoveAsync(container.Id, TimeSpan.Zero, CancellationToken.None);
            }
            else
            {
                logger.LogInformation("Sandbox {Sandbox} of {Board} is ready: container {Container} from {Image}; device: {Passthrough}",
                    sandbox.Id, board.Name, container.Name, chosen.Image, passthrough);
            }
        }
        catch (ContainerEngineException ex)
        {
            logger.LogWarning("Sandbox {Sandbox} of {Board} failed to start from {Image}: {Reason}", sandbox.Id, board.Name, chosen.Image, ex.Message);
            await EndAsync(sandbox.Id, failedBecause: ex.Message, logs: null);
        }

        var view = await PublishAsync(sandbox.Id);
        return new SandboxOutcome(view, view?.Status == SandboxStatus.Failed ? view.Reason : null);
    }

    /// <summary>The holder (or an admin) stops the sandbox; the reservation goes on.</summary>
    public async Task<SandboxOutcome> StopAsync(Actor actor, int sandboxId, CancellationToken cancellationToken)
    {
        if (await GetAsync(sandboxId, cancellationToken) is not { } sandbox)
        {
            return SandboxOutcome.Fail($"There is no sandbox {sandboxId}.");
        }

        if (HolderError(actor, sandbox.UserId, sandbox.Board) is { } notHolder)
        {
            return SandboxOutcome.Fail(notHolder);
        }

        await TerminateAsync(sandboxId, actor.Email, CancellationToken.None);
        return new SandboxOutcome(await GetAsync(sandboxId, CancellationToken.None));
    }

    /// <summary>Stops and removes every live sandbox of a reservation that ended.</summary>
    public async Task TerminateForReservationAsync(int reservationId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var live = await _liveOf(db, reservationId).ToListAsync(cancellationToken);
        foreach (var id in live)
        {
            await TerminateAsync(id, AuditLog.System, cancellationToken);
        }
    }

    /// <summary>Null when the actor may use the board's sandbox: they hold the board (or are an admin) and have the Sandbox capability.</summary>
    public async Task<string?> RefusalAsync(Actor actor, string holderId, string board, CancellationToken cancellationToken)
    {
        if (HolderError(actor, holderId, board) is { } notHolder)
        {
            return notHolder;
        }

        var decision = await access.DecideAsync(actor.UserId, Capability.Sandbox, board, cancellationToken);
        return decision.Permitted ? null : $"You lack the Sandbox capability on board {board} ({decision.Reason}).";
    }

    /// <summary>
    /// A terminal in the sandbox, <c>docker exec -it CONTAINER SHELL</c> (or the given command), for its holder and
    /// admins. Throws <see cref="ShellSessionException"/> with the sentence to show in the terminal.
    /// </summary>
    public async Task<IShellSession> OpenShellAsync(Actor actor, int sandboxId, int columns, int rows, CancellationToken cancellationToken, IReadOnlyList<string>? command = null)
    {
        var (sandbox, container) = await UsableContainerAsync(actor, sandboxId, cancellationToken);
        try
        {
            return await engine.ExecAsync(container, command ?? [sandbox.Shell], columns, rows, cancellationToken);
        }
        catch (ContainerEngineException ex)
        {
            logger.LogWarning("Opening {Command} in sandbox {Sandbox} failed: {Reason}", command?[0] ?? sandbox.Shell, sandbox.Id, ex.Message);
            throw new ShellSessionException($"sandbox {sandbox.ContainerName}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The READY sandbox's container, for its holder and admins with the Sandbox capability; throws
    /// <see cref="ShellSessionException"/> with the sentence saying why not.
    /// </summary>
    public async Task<(SandboxView Sandbox, string ContainerId)> UsableContainerAsync(Actor actor, int sandboxId, CancellationToken cancellationToken)
    {
        var sandbox = await GetAsync(sandboxId, cancellationToken)
            ?? throw new ShellSessionException($"There is no sandbox {sandboxId}.");
        if (await RefusalAsync(actor, sandbox.UserId, sandbox.Board, cancellationToken) is { } refusal)
        {
            throw new ShellSessionException(refusal);
        }

        return sandbox is { Status: SandboxStatus.Ready, ContainerId: { } container }
            ? (sandbox, container)
            : throw new ShellSessionException($"Sandbox {sandbox.ContainerName} is {sandbox.Status.ToString().ToUpperInvariant()}, not READY.");
    }

    /// <summary>The container's output: from the engine while it lives, else what was kept at teardown. Null when the actor may not read it.</summary>
    public async Task<string?> LogsAsync(Actor actor, int sandboxId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var sandbox = await db.Sandboxes.AsNoTracking().Include(s => s.Reservation).SingleOrDefaultAsync(s => s.Id == sandboxId, cancellationToken);
        if (sandbox is null || !actor.IsHolderOrAdmin(sandbox.Reservation.UserId))
        {
            return null;
        }

        if (sandbox is { Status: SandboxStatus.Ready, ContainerId: { } container })
        {
            try
            {
                return await engine.GetLogsAsync(container, options.CurrentValue.LogLines, cancellationToken);
            }
            catch (ContainerEngineException ex)
            {
                return $"[logs not available: {ex.Message}]\n";
            }
        }

        return sandbox.Logs ?? "";
    }

    /// <summary>
    /// Brings the engine in line with the database: finishes teardowns the engine was away for, tears down sandboxes of
    /// ended reservations, marks FAILED the READY sandboxes whose container is gone or stopped, and removes this
    /// portal's containers that belong to no live sandbox. Throws <see cref="ContainerEngineException"/> when the engine is away.
    /// </summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        // Containers first: any container listed was created after its sandbox's row, so the row is seen below.
        var containers = (await engine.ListLabelledAsync(OwnerFilter, cancellationToken))
            .Select(c => (Container: c, SandboxId: c.Labels.TryGetValue(SandboxLabel, out var id) && int.TryParse(id, CultureInfo.InvariantCulture, out var n) ? n : (int?)null))
            .ToList();

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var live = await db.Sandboxes.AsNoTracking()
            .Where(s => s.Status == SandboxStatus.Init || s.Status == SandboxStatus.Ready || s.Status == SandboxStatus.Terminating)
            .Select(s => new { s.Id, s.Status, s.CreatedAt, Board = s.Reservation.Board.Name, ReservationActive = s.Reservation.State == ReservationState.Active })
            .ToListAsync(cancellationToken);

        foreach (var sandbox in live)
        {
            var container = containers.FirstOrDefault(c => c.SandboxId == sandbox.Id).Container;
            if (sandbox.Status == SandboxStatus.Terminating)
            {
                await FinishTerminationAsync(sandbox.Id, cancellationToken);
            }
            else if (!sandbox.ReservationActive)
            {
                await TerminateAsync(sandbox.Id, AuditLog.System, cancellationToken);
            }
            else if (sandbox.Status == SandboxStatus.Init && Now - sandbox.CreatedAt > LaunchTimeout)
            {
                await FailAsync(sandbox.Id, $"the sandbox did not start within {LaunchTimeout.TotalMinutes:0} minutes (the portal stopped while launching it)", cancellationToken);
            }
            else if (sandbox.Status == SandboxStatus.Ready && container is null)
            {
                await FailAsync(sandbox.Id, Removed, cancellationToken);
            }
            else if (sandbox.Status == SandboxStatus.Ready && !container!.Running)
            {
                await FailAsync(sandbox.Id, $"container stopped outside the portal ({container.State})", cancellationToken);
            }
            else if (SerialDeviceOf(sandbox.Board) is not null)
            {
                // After a restart the console must again keep off the device the sandbox holds.
                _loans.GetOrAdd(sandbox.Id, id => consoles.Lend(sandbox.Board, $"sandbox {ContainerName(id)}"));
            }
        }

        var keep = live.Where(s => s.Status is SandboxStatus.Init or SandboxStatus.Ready && s.ReservationActive).Select(s => s.Id).ToHashSet();
        foreach (var (container, sandboxId) in containers.Where(c => c.SandboxId is not { } id || !keep.Contains(id)))
        {
            logger.LogInformation("Removing container {Container}: sandbox {Sandbox} is no longer live", container.Name, sandboxId);
            await engine.RemoveAsync(container.Id, TimeSpan.Zero, cancellationToken);
        }
    }

    /// <summary>A container of this portal died or was removed: a READY sandbox becomes FAILED with the reason.</summary>
    public async Task OnContainerEventAsync(ContainerEvent containerEvent)
    {
        if (!containerEvent.Attributes.TryGetValue(SandboxLabel, out var label) || !int.TryParse(label, CultureInfo.InvariantCulture, out var sandboxId))
        {
            return;
        }

        var reason = containerEvent.Action switch
        {
            "destroy" => Removed,
            // `docker rm -f` kills first: the container dies while its removal is under way.
            "die" => await engine.InspectAsync(containerEvent.ContainerId, CancellationToken.None) is null or { State: "removing" }
                ? Removed
                : $"container exited (exit code {containerEvent.Attributes.GetValueOrDefault("exitCode", "?")})",
            "oom" => "container ran out of memory",
            _ => null,
        };
        if (reason is not null)
        {
            await FailAsync(sandboxId, reason, CancellationToken.None);
        }
    }

    private async Task TerminateAsync(int sandboxId, string by, CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (await db.Sandboxes.BeginTerminationAsync(sandboxId, cancellationToken) == 0)
            {
                return;
            }
        }

        var view = await PublishAsync(sandboxId);
        await audit.WriteAsync(by, "sandbox.stop", view?.Board, view?.ReservationId, view?.ContainerName, CancellationToken.None);
        await FinishTerminationAsync(sandboxId, cancellationToken);
    }

    /// <summary>Removes a TERMINATING sandbox's container, keeping its output; if the engine is away, the reconciler tries again.</summary>
    private async Task FinishTerminationAsync(int sandboxId, CancellationToken cancellationToken)
    {
        try
        {
            var logs = await RemoveContainerAsync(sandboxId, options.CurrentValue.StopGrace, cancellationToken);
            await EndAsync(sandboxId, failedBecause: null, logs);
        }
        catch (ContainerEngineException ex)
        {
            logger.LogWarning("Sandbox {Sandbox} could not be removed yet: {Reason}; retrying", sandboxId, ex.Message);
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var reason = $"{ex.Message}; the portal will retry";
            await db.Sandboxes.Where(s => s.Id == sandboxId).ExecuteUpdateAsync(set => set.SetProperty(s => s.Reason, reason), CancellationToken.None);
        }

        await PublishAsync(sandboxId);
    }

    private async Task FailAsync(int sandboxId, string reason, CancellationToken cancellationToken)
    {
        if (await GetAsync(sandboxId, cancellationToken) is not { Status: SandboxStatus.Init or SandboxStatus.Ready })
        {
            // Already ending: this is the echo of the portal's own teardown.
            return;
        }

        string? logs = null;
        try
        {
            logs = await RemoveContainerAsync(sandboxId, TimeSpan.Zero, cancellationToken);
        }
        catch (ContainerEngineException ex)
        {
            // The row is FAILED either way; the reconciler removes the container once the engine answers.
            logger.LogWarning("Container of failed sandbox {Sandbox} not removed yet: {Reason}", sandboxId, ex.Message);
        }

        if (await EndAsync(sandboxId, failedBecause: reason, logs))
        {
            logger.LogWarning("Sandbox {Sandbox} failed: {Reason}", sandboxId, reason);
            await PublishAsync(sandboxId);
        }
    }

    /// <summary>Saves the container's output, then stops and removes it. A container already gone is fine.</summary>
    private async Task<string?> RemoveContainerAsync(int sandboxId, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (await engine.InspectAsync(ContainerName(sandboxId), cancellationToken) is not { } container)
        {
            return null;
        }

        var logs = await engine.GetLogsAsync(container.Id, options.CurrentValue.LogLines, cancellationToken);
        await engine.RemoveAsync(container.Id, grace, cancellationToken);
        return logs;
    }

    /// <summary>
    /// Ends the sandbox as TERMINATED (from TERMINATING), or as FAILED (from INIT or READY) when it
    /// <paramref name="failedBecause"/>, and gives the board's device back to its console; false when it had already
    /// left those statuses.
    /// </summary>
    private async Task<bool> EndAsync(int sandboxId, string? failedBecause, string? logs)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var ended = (failedBecause is null
            ? await db.Sandboxes.TerminatedAsync(sandboxId, logs, Now, CancellationToken.None)
            : await db.Sandboxes.FailAsync(sandboxId, failedBecause, logs, Now, CancellationToken.None)) > 0;
        if (ended && _loans.TryRemove(sandboxId, out var loan))
        {
            loan.Dispose();
        }

        return ended;
    }

    private async Task<SandboxView?> PublishAsync(int sandboxId)
    {
        var view = await GetAsync(sandboxId, CancellationToken.None);
        if (view is not null)
        {
            events.Publish(new SandboxChanged(view.Board, view.ReservationId, view.Id, view.Status));
        }

        return view;
    }

    private static string? HolderError(Actor actor, string holderId, string board) =>
        actor.IsHolderOrAdmin(holderId) ? null : $"Only the holder of board {board} may do that with its sandbox.";

    /// <summary>The board's serial device on the lab host, when its console is one.</summary>
    private string? SerialDeviceOf(string board) =>
        lab.CurrentValue.FindBoard(board) is { } configured
        && LabDriverSpecs.ConsoleOf(configured) is { Driver: var driver } spec
        && driver.Equals("serial", StringComparison.OrdinalIgnoreCase)
            ? spec.Get("Device")
            : null;

    private static string Describe(ContainerInfo container, string inside) => container.Passthrough switch
    {
        DevicePassthroughMode.Device => $"{container.PassedDevice} passed as a device at {inside}",
        DevicePassthroughMode.BindMount => $"{container.PassedDevice} (a pseudo-terminal) bind-mounted at {inside}",
        _ => "none: the board's console is not a local serial device",
    };

    private IQueryable<SandboxView> Views(IQueryable<Sandbox> sandboxes)
    {
        var owner = options.CurrentValue.Owner;
        return sandboxes.AsNoTracking().Select(s => new SandboxView(
            owner,
            s.Id, s.ReservationId, s.Reservation.Board.Name, s.Reservation.UserId ?? "", s.Image, s.Shell, SandboxView.StatusOf(s.Status, s.Reservation.State), s.ContainerId, s.Passthrough, s.Reason, s.CreatedAt, s.ReadyAt, s.EndedAt));
    }
}
