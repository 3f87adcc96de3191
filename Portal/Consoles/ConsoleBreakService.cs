using Portal.Access;
using Portal.Audit;
using Portal.Data;
using Portal.Lab;
using Portal.Reservations;

namespace Portal.Consoles;

/// <summary>
/// Sends a serial break to a board's console for someone who may type into it, decided on the server at every press,
/// and keeps it in the audit log: a break can stop a boot or trigger a SysRq, so it is as much input as a keystroke.
/// </summary>
public sealed class ConsoleBreakService(LabCatalog catalog, AccessPolicy access, AuditLog audit, ILogger<ConsoleBreakService> logger)
{
    public const string AuditAction = "console-break";

    /// <summary>Null when the actor may: as for typing, they hold the board (or are an admin) and have ConsoleRead and ConsoleWrite.</summary>
    public async Task<string?> MaySendAsync(Actor actor, string board, BoardHolder? holder, CancellationToken cancellationToken)
    {
        if (!actor.IsAdmin && holder?.UserId != actor.UserId)
        {
            return $"Only the holder of {board} or an admin may send a break.";
        }

        foreach (var capability in new[] { Capability.ConsoleRead, Capability.ConsoleWrite })
        {
            var decision = await access.DecideAsync(actor.UserId, capability, board, cancellationToken);
            if (!decision.Permitted)
            {
                return $"You lack the {capability} capability on board {board} ({decision.Reason}).";
            }
        }

        return null;
    }

    /// <summary>Null when the break was sent; otherwise the sentence saying why not.</summary>
    public async Task<string?> SendAsync(Actor actor, ConsoleWatcher watcher, CancellationToken cancellationToken)
    {
        var board = watcher.Board;
        if (!watcher.CanSendBreak)
        {
            return $"The console of {board} cannot send a break.";
        }

        var holder = (await catalog.GetBoardAsync(board, cancellationToken))?.Board.Holder;
        if (await MaySendAsync(actor, board, holder, cancellationToken) is { } refusal)
        {
            logger.LogWarning("Break on the console of {Board} by {User} refused: {Reason}", board, actor.Email, refusal);
            return refusal;
        }

        if (!await watcher.SendBreakAsync(cancellationToken))
        {
            return $"The console of {board} is not connected; no break was sent.";
        }

        logger.LogInformation("Break on the console of {Board} by {User}", board, actor.Email);
        await audit.WriteAsync(actor.Email, AuditAction, board, holder?.ReservationId, null, cancellationToken);
        return null;
    }
}
