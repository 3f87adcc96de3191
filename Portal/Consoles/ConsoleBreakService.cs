using Portal.Audit;
using Portal.Lab;
using Portal.Reservations;

namespace Portal.Consoles;

/// <summary>
/// Sends a serial break to a board's console for someone who may type into it, decided on the server at every press,
/// and keeps it in the audit log: a break can stop a boot or trigger a SysRq, so it is as much input as a keystroke.
/// </summary>
public sealed class ConsoleBreakService(LabCatalog catalog, ConsoleAccess consoleAccess, AuditLog audit, ILogger<ConsoleBreakService> logger)
{
    public const string AuditAction = "console-break";

    /// <summary>Null when the break was sent; otherwise the sentence saying why not.</summary>
    public async Task<string?> SendAsync(Actor actor, ConsoleWatcher watcher, CancellationToken cancellationToken)
    {
        var board = watcher.Board;
        if (!watcher.CanSendBreak)
        {
            return $"The console of {board} cannot send a break.";
        }

        // As for typing: the holder (or an admin) with ConsoleRead and ConsoleWrite.
        var rights = await consoleAccess.DecideAsync(actor, board, cancellationToken);
        if (!rights.CanType)
        {
            var refusal = rights.Holds ? $"You may not send a break on {board}: {rights.TypeRefusal}." : $"Only the holder of {board} or an admin may send a break.";
            logger.LogWarning("Break on the console of {Board} by {User} refused: {Reason}", board, actor.Email, refusal);
            return refusal;
        }

        if (!await watcher.SendBreakAsync(cancellationToken))
        {
            return $"The console of {board} is not connected; no break was sent.";
        }

        logger.LogInformation("Break on the console of {Board} by {User}", board, actor.Email);
        var holder = (await catalog.GetBoardAsync(board, cancellationToken))?.Board.Holder;
        await audit.WriteAsync(actor.Email, AuditAction, board, holder?.ReservationId, null, cancellationToken);
        return null;
    }
}
