using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Artifacts;
using Portal.Audit;
using Portal.Consoles;
using Portal.Data;
using Portal.Hardware;
using Portal.Identity;
using Portal.Lab;

namespace Portal.Deploys;

/// <summary>
/// Puts artifacts onto a board through its deploy driver and, when asked, power-cycles it and waits for a line on its
/// console (LAVA's deploy and boot actions): for the board's holder or an admin with Instantiate on it, their own
/// artifacts only, each checked against its digest first; recorded with the reservation and audited.
/// </summary>
public sealed class DeployService(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    IOptionsMonitor<LabOptions> lab,
    DriverFactory drivers,
    LabCatalog catalog,
    AccessPolicy access,
    ArtifactStore store,
    PowerService power,
    ConsoleBroker consoles,
    AuditLog audit,
    LabEvents events,
    ActorResolver actors,
    TimeProvider timeProvider,
    ILogger<DeployService> logger)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);
    private const int MaxKeptOutput = 64 * 1024;

    private readonly ConcurrentDictionary<string, IDeployDriver> _drivers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The slots the board takes files in, or null when nothing can be deployed to it.</summary>
    public IReadOnlyList<string>? SlotsOf(string board) => Driver(board)?.Slots;

    /// <summary>Null when the actor may deploy to the board: they hold it (or are an admin) and have Instantiate on it.</summary>
    public async Task<string?> MayDeployAsync(Actor actor, string board, BoardHolder? holder, CancellationToken cancellationToken)
    {
        if (!actor.IsAdmin && holder?.UserId != actor.UserId)
        {
            return $"Only the holder of {board} or an admin may deploy to it.";
        }

        var decision = await access.DecideAsync(actor.UserId, Capability.Instantiate, board, cancellationToken);
        return decision.Permitted ? null : $"You lack the Instantiate capability on board {board} ({decision.Reason}).";
    }

    public async Task<DeployResult> DeployAsync(Actor actor, string board, DeployOrder order, Action<string>? progress, CancellationToken cancellationToken)
    {
        if (await catalog.GetBoardAsync(board, cancellationToken) is not { } details)
        {
            return Fail(DeployErrorKind.NotFound, $"There is no board named '{board}'.");
        }

        if (Driver(board) is not { } driver)
        {
            return Fail(DeployErrorKind.Invalid, NoDriver(board));
        }

        if (await MayDeployAsync(actor, board, details.Board.Holder, cancellationToken) is { } refusal)
        {
            return Fail(DeployErrorKind.Forbidden, refusal);
        }

        if (Validate(board, driver, order) is { } invalid)
        {
            return new(null, invalid);
        }

        var files = new List<(DeployFile File, ArtifactView Artifact)>();
        foreach (var (slot, id) in order.Artifacts)
        {
            var (verified, error) = await store.OpenVerifiedAsync(id, cancellationToken);
            if (verified is null)
            {
                return Fail(error!.Kind == ArtifactErrorKind.Corrupted ? DeployErrorKind.Corrupted : DeployErrorKind.NotFound, error.Message);
            }

            if (verified.Artifact.UploaderId != actor.UserId && !actor.IsAdmin)
            {
                return Fail(DeployErrorKind.Forbidden, $"You may deploy only your own artifacts; {verified.Artifact.Name} (artifact {id}) was uploaded by {verified.Artifact.Uploader}.");
            }

            files.Add((new DeployFile(slot, verified.Artifact.Name, verified.Path), verified.Artifact));
        }

        var summary = string.Join("\n", files.Select(f => $"{f.File.Slot}={f.Artifact.Name} {f.Artifact.Digest}"));
        var deploymentId = await StartRecordAsync(actor, board, details.Board.Holder?.ReservationId, summary, order.Boot, cancellationToken);
        var output = new StringBuilder();
        void Say(string line)
        {
            lock (output)
            {
                if (output.Length < MaxKeptOutput)
                {
                    output.AppendLine(line);
                }
            }

            progress?.Invoke(line);
        }

        var failure = await RunWhileAllowedAsync(actor, board, driver, order, [.. files.Select(f => f.File)], Say, cancellationToken);
        await store.TouchAsync(files.Select(f => f.Artifact.Id), cancellationToken);
        await audit.WriteAsync(actor.Email, "deploy", board, details.Board.Holder?.ReservationId, $"{summary.Replace('\n', ' ')}{(order.Boot ? " and boot" : "")}{(failure is null ? "" : $": {failure.Message}")}", cancellationToken);
        logger.LogInformation("Deploy of {Files} to {Board} by {User}: {Outcome}", summary.Replace('\n', ' '), board, actor.Email, failure?.Message ?? "done");
        var view = await EndRecordAsync(deploymentId, failure?.Message, output.ToString(), cancellationToken);
        return new(view, failure);
    }

    public async Task<IReadOnlyList<DeploymentView>> ListAsync(int? reservationId, string? board, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Project(db.Deployments
                .Where(d => (reservationId == null || d.ReservationId == reservationId) && (board == null || d.Board == board))
                .OrderByDescending(d => d.Id)
                .Take(50))
            .ToListAsync(cancellationToken);
    }

    /// <summary>A user's latest deployments, newest first, whichever board and reservation they were made in.</summary>
    public async Task<IReadOnlyList<DeploymentView>> ListOfUserAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await Project(db.Deployments.Where(d => d.UserId == userId).OrderByDescending(d => d.Id).Take(50)).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Runs the deploy while its deployer may deploy to the board: it stops when the reservation ends or a rule takes
    /// the right away, as a console or a tunnel closes, so a deploy never goes on onto the board's next holder.
    /// </summary>
    private async Task<DeployError?> RunWhileAllowedAsync(Actor actor, string board, IDeployDriver driver, DeployOrder order, IReadOnlyList<DeployFile> files, Action<string> say, CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string? stoppedBecause = null;
        var recheck = new AccessRecheck(
            events,
            actors,
            actor,
            board,
            async (now, ct) => await MayDeployAsync(now, board, (await catalog.GetBoardAsync(board, ct))?.Board.Holder, ct),
            reason =>
            {
                stoppedBecause = reason;
                return stopping.CancelAsync();
            });
        await using (recheck)
        {
            try
            {
                return await RunAsync(actor, board, driver, order, files, say, stopping.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                var stopped = new DeployError(DeployErrorKind.Stopped, $"Deploy to {board} stopped: {AccessRefusal.AsReason(stoppedBecause!)}.");
                say(stopped.Message);
                return stopped;
            }
        }
    }

    private async Task<DeployError?> RunAsync(Actor actor, string board, IDeployDriver driver, DeployOrder order, IReadOnlyList<DeployFile> files, Action<string> say, CancellationToken cancellationToken)
    {
        var failed = await DriveAsync(board, driver, new DeployRequest(files, order.Append), say, cancellationToken);
        if (failed is not null || !order.Boot)
        {
            return failed;
        }

        await using var console = order.Expect is null ? null : await ConsoleWatch.StartAsync(consoles, board, cancellationToken);
        say($"power-cycling {board}");
        var cycled = await power.SwitchAsync(actor, board, PowerAction.Cycle, cancellationToken);
        if (cycled.Error is { } powerError)
        {
            say(powerError);
            return new(DeployErrorKind.DriverFailed, powerError);
        }

        if (console is null)
        {
            return null;
        }

        var timeout = order.Timeout ?? DefaultTimeout;
        var expect = new Regex(order.Expect!, RegexOptions.None, TimeSpan.FromSeconds(1));
        if (await console.WaitForAsync(expect, timeout, cancellationToken) is { } match)
        {
            say($"console printed '{match}'");
            return null;
        }

        var message = $"Board {board} did not print /{order.Expect}/ on its console within {timeout.TotalSeconds:0} s of the power cycle.";
        say(message);
        return new(DeployErrorKind.ExpectTimedOut, message);
    }

    /// <summary>
    /// Deploys a health check's known-good files (paths on this host, from the lab config) to the board the check holds:
    /// null when done, else why not (a clause). Not a user's deployment: the check's log records it.
    /// </summary>
    public async Task<string?> DeployForHealthCheckAsync(string board, IReadOnlyDictionary<string, string> files, string? append, Action<string> say, CancellationToken cancellationToken)
    {
        if (Driver(board) is not { } driver)
        {
            return NoDriver(board).TrimEnd('.');
        }

        if (UnknownSlot(board, driver, files.Keys) is { } unknown)
        {
            return unknown.TrimEnd('.');
        }

        var request = new DeployRequest([.. files.Select(file => new DeployFile(file.Key, Path.GetFileName(file.Value), file.Value))], append);
        return (await DriveAsync(board, driver, request, say, cancellationToken))?.Message.TrimEnd('.');
    }

    private static async Task<DeployError?> DriveAsync(string board, IDeployDriver driver, DeployRequest request, Action<string> say, CancellationToken cancellationToken)
    {
        try
        {
            await driver.DeployAsync(request, say, cancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is DeployDriverException or IOException or UnauthorizedAccessException)
        {
            say(ex.Message);
            return new(DeployErrorKind.DriverFailed, ex is DeployDriverException ? ex.Message : $"Deploying to {board} failed: {ex.Message}");
        }
    }

    private static string NoDriver(string board) => $"Nothing can be deployed to board {board}: it has no deploy driver.";

    /// <summary>A sentence naming the first slot the board's driver does not take, or null when it takes them all.</summary>
    private static string? UnknownSlot(string board, IDeployDriver driver, IEnumerable<string> slots) =>
        slots.FirstOrDefault(slot => !driver.Slots.Contains(slot)) is { } unknown
            ? $"Board {board} takes {string.Join(", ", driver.Slots)}; not '{unknown}'."
            : null;

    private static DeployError? Validate(string board, IDeployDriver driver, DeployOrder order)
    {
        if (order.Artifacts.Count == 0)
        {
            return new(DeployErrorKind.Invalid, "Pick at least one artifact to deploy.");
        }

        if (UnknownSlot(board, driver, order.Artifacts.Keys) is { } unknown)
        {
            return new(DeployErrorKind.Invalid, unknown);
        }

        if (order.Append is { Length: > DeployOrder.MaxAppendLength })
        {
            return new(DeployErrorKind.Invalid, $"The kernel command line may be at most {DeployOrder.MaxAppendLength} characters.");
        }

        if (order.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > MaxTimeout))
        {
            return new(DeployErrorKind.Invalid, $"The timeout must be from 1 to {MaxTimeout.TotalSeconds:0} seconds.");
        }

        if (order.Expect is { } expect)
        {
            if (!order.Boot)
            {
                return new(DeployErrorKind.Invalid, "Expect needs boot: the line is waited for after the power cycle.");
            }

            try
            {
                _ = new Regex(expect);
            }
            catch (ArgumentException ex)
            {
                return new(DeployErrorKind.Invalid, $"Expect '{expect}' is not a regular expression: {ex.Message}");
            }
        }

        return null;
    }

    private async Task<int> StartRecordAsync(Actor actor, string board, int? reservationId, string files, bool boot, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var deployment = new Deployment { Board = board, ReservationId = reservationId, UserId = actor.UserId, Files = files, Boot = boot, StartedAt = timeProvider.GetUtcNow().UtcDateTime };
        db.Deployments.Add(deployment);
        await db.SaveChangesAsync(cancellationToken);
        events.Publish(new DeploymentChanged(board, deployment.Id, actor.UserId));
        return deployment.Id;
    }

    private async Task<DeploymentView> EndRecordAsync(int id, string? error, string output, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var deployment = await db.Deployments.SingleAsync(d => d.Id == id, cancellationToken);
        deployment.Error = error;
        deployment.Output = output;
        deployment.EndedAt = timeProvider.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        events.Publish(new DeploymentChanged(deployment.Board, id, deployment.UserId));
        return await Project(db.Deployments.Where(d => d.Id == id)).SingleAsync(cancellationToken);
    }

    private static IQueryable<DeploymentView> Project(IQueryable<Deployment> deployments) =>
        deployments.Select(d => new DeploymentView(d.Id, d.Board, d.ReservationId, d.User.Email ?? d.UserId, d.Files, d.Boot, d.Error, d.Output, d.StartedAt, d.EndedAt));

    private static DeployResult Fail(DeployErrorKind kind, string message) => new(null, new(kind, message));

    private IDeployDriver? Driver(string board)
    {
        if (_drivers.TryGetValue(board, out var driver))
        {
            return driver;
        }

        var configured = lab.CurrentValue.FindBoard(board);
        return configured is not null && LabDriverSpecs.DeployOf(configured) is { } spec
            ? _drivers.GetOrAdd(board, name => drivers.CreateDeploy(name, spec))
            : null;
    }
}
