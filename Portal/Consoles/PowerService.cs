using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Hardware;
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
            return new(state, state == PowerState.Off && driver is IPowerLossReporter reporter ? reporter.LastLoss : null);
        }
        catch (Exception ex) when (IsDriverFailure(ex))
        {
            logger.LogWarning("Reading the power state of {Board} failed: {Reason}", board, ex.Message);
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
            logger.LogWarning("Power {Action} of {Board} by {User} failed: {Reason}", action, board, actor.Email, ex.Message);
            metrics.PowerOperation(DriverName(board), action, failed: true);
            return new(PowerState.Unknown, ex.Message);
        }

        logger.LogInformation("Power {Action} of {Board} by {User}", action, board, actor.Email);
        metrics.PowerOperation(DriverName(board), action, failed: false);
        await audit.WriteAsync(actor.Email, $"power-{action.ToString().ToLowerInvariant()}", board, holder?.ReservationId, null, cancellationToken);
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
    private static bool IsDriverFailure(Exception ex) => ex is PowerDriverException or TimeoutException or IOException or System.Net.Sockets.SocketException;
}
