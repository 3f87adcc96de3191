using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Hardware;
using Portal.Health;
using Portal.Lab;
using Portal.Reservations;

namespace Portal.Consoles;

public enum PowerAction
{
    On,
    Off,
    Cycle,
}

/// <summary>The power state after an action or a look, or the one sentence saying why it could not be had.</summary>
public sealed record PowerResult(PowerState State, string? Error);

/// <summary>Switches boards' power through their drivers: only for the board's holder or an admin, audited, published live.</summary>
public sealed class PowerService(
    DriverFactory drivers,
    IOptionsMonitor<LabOptions> lab,
    LabCatalog catalog,
    AccessPolicy access,
    AuditLog audit,
    LabEvents events,
    Observability.PortalMetrics metrics,
    BoardReachability reachability,
    ILogger<PowerService> logger)
{
    private readonly ConcurrentDictionary<string, IPowerDriver> _drivers = new(StringComparer.OrdinalIgnoreCase);

    public bool HasPower(string board) => Driver(board) is not null;

    public async Task<PowerResult> GetStateAsync(string board, CancellationToken cancellationToken)
    {
        if (Driver(board) is not { } driver)
        {
            return new(PowerState.Unknown, $"Board {board} has no power control.");
        }

        if (Unavailable(board) is { } reason)
        {
            return new(PowerState.Unknown, reason);
        }

        try
        {
            var state = await driver.GetStateAsync(cancellationToken);
            reachability.Report(board, BoardReachability.Power, null);
            return new(state, state == PowerState.Off && driver is IPowerLossReporter reporter ? reporter.LastLoss : null);
        }
        catch (Exception ex) when (IsDriverFailure(ex))
        {
            logger.LogWarning("Reading the power state of {Board} failed: {Reason}", board, ex.Message);
            if (IsUnreachable(ex))
            {
                reachability.Report(board, BoardReachability.Power, ex.Message);
            }

            return new(PowerState.Unknown, ex.Message);
        }
    }

    public async Task<PowerResult> SwitchAsync(Actor actor, string board, PowerAction action, CancellationToken cancellationToken)
    {
        if (Driver(board) is not { } driver)
        {
            return new(PowerState.Unknown, $"Board {board} has no power control.");
        }

        var holder = (await catalog.GetBoardAsync(board, cancellationToken))?.Board.Holder;
        if (await MayUseAsync(actor, board, holder, cancellationToken) is { } refusal)
        {
            return new(PowerState.Unknown, refusal);
        }

        return await SwitchAsync(driver, actor.Email, board, action, holder?.ReservationId, cancellationToken);
    }

    /// <summary>A health check switches the power of the board it holds: no user, so no rights to check; audited as the check's.</summary>
    public async Task<PowerResult> SwitchForHealthCheckAsync(string board, PowerAction action, int reservationId, CancellationToken cancellationToken) =>
        Driver(board) is { } driver
            ? await SwitchAsync(driver, "health-check", board, action, reservationId, cancellationToken)
            : new(PowerState.Unknown, $"Board {board} has no power control.");

    private async Task<PowerResult> SwitchAsync(IPowerDriver driver, string by, string board, PowerAction action, int? reservationId, CancellationToken cancellationToken)
    {
        if (Unavailable(board) is { } reason)
        {
            return new(PowerState.Unknown, reason);
        }

        try
        {
            await (action switch
            {
                PowerAction.On => driver.PowerOnAsync(cancellationToken),
                PowerAction.Off => driver.PowerOffAsync(cancellationToken),
                _ => driver.CycleAsync(cancellationToken),
            });
        }
        catch (Exception ex) when (IsDriverFailure(ex))
        {
            logger.LogWarning("Power {Action} of {Board} by {User} failed: {Reason}", action, board, by, ex.Message);
            metrics.PowerOperation(DriverName(board), action, failed: true);
            if (IsUnreachable(ex))
            {
                reachability.Report(board, BoardReachability.Power, ex.Message);
            }

            return new(PowerState.Unknown, ex.Message);
        }

        logger.LogInformation("Power {Action} of {Board} by {User}", action, board, by);
        metrics.PowerOperation(DriverName(board), action, failed: false);
        reachability.Report(board, BoardReachability.Power, null);
        await audit.WriteAsync(by, $"power-{action.ToString().ToLowerInvariant()}", board, reservationId, null, cancellationToken);
        var state = await GetStateAsync(board, cancellationToken);
        events.Publish(new PowerChanged(board, state.State));
        return state;
    }

    private string DriverName(string board) => lab.CurrentValue.FindBoard(board)?.Power.GetValueOrDefault("Driver") ?? "none";

    /// <summary>Null when the actor may switch the board's power: they hold it (or are an admin) and have the Power capability.</summary>
    public async Task<string?> MayUseAsync(Actor actor, string board, BoardHolder? holder, CancellationToken cancellationToken)
    {
        if (!actor.IsHolderOrAdmin(holder?.UserId))
        {
            return $"Only the holder of {board} or an admin may switch its power.";
        }

        var decision = await access.DecideAsync(actor.UserId, Capability.Power, board, cancellationToken);
        return decision.Permitted ? null : $"You lack the Power capability on board {board} ({decision.Reason}).";
    }

    private IPowerDriver? Driver(string board)
    {
        if (_drivers.TryGetValue(board, out var driver))
        {
            return driver;
        }

        var configured = lab.CurrentValue.FindBoard(board);
        return configured is not null && LabDriverSpecs.PowerOf(configured) is { } spec
            ? _drivers.GetOrAdd(board, name => Observe(name, drivers.CreatePower(name, spec)))
            : null;
    }

    private string? Unavailable(string board) =>
        lab.CurrentValue.FindBoard(board) is { } configured ? LabDriverSpecs.Unavailable(drivers, configured) : null;

    // A board that went off by itself (a crashed emulator) is announced like a switch, so open power panels show it.
    private IPowerDriver Observe(string board, IPowerDriver driver)
    {
        if (driver is IPowerLossReporter reporter)
        {
            reporter.PowerLost += () => events.Publish(new PowerChanged(board, PowerState.Off));
        }

        return driver;
    }

    // Driver failures are expected (a switch that does not answer); they become a message, never a dead circuit.
    private static bool IsDriverFailure(Exception ex) => ex is PowerDriverException || IsUnreachable(ex);

    // The switch (or QEMU's QMP socket) did not answer: the board is offline until it answers again. A refusal or a
    // failed command (any other PowerDriverException) is an answer.
    private static bool IsUnreachable(Exception ex) => ex is PowerSwitchUnreachableException or TimeoutException or IOException or System.Net.Sockets.SocketException;
}
