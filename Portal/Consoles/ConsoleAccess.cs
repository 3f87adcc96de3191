using Portal.Access;
using Portal.Data;
using Portal.Lab;
using Portal.Reservations;

namespace Portal.Consoles;

/// <summary>What one person may do with a board's consoles right now; see <see cref="ConsoleAccess"/>.</summary>
public sealed record ConsoleRights(string Board, bool Holds, AccessDecision Read, AccessDecision Write)
{
    /// <summary>Typing, breaks: the holder (or an admin) with ConsoleRead and ConsoleWrite.</summary>
    public bool CanType => Holds && Read.Permitted && Write.Permitted;

    public string? ReadRefusal => Read.Permitted ? null : $"you lack ConsoleRead ({Read.Reason})";

    public string? TypeRefusal =>
        !Holds ? "only the holder types"
        : ReadRefusal ?? (Write.Permitted ? null : $"you lack ConsoleWrite ({Write.Reason})");
}

/// <summary>
/// The one place that decides who watches and who types into a board's console (serial, break, SSH), on the server,
/// from the current holder and the access rules; callers decide again whenever reservations or rules change.
/// </summary>
public sealed class ConsoleAccess(LabCatalog catalog, AccessPolicy access)
{
    public async Task<ConsoleRights> DecideAsync(Actor actor, string board, CancellationToken cancellationToken)
    {
        var holder = (await catalog.GetBoardAsync(board, cancellationToken))?.Board.Holder;
        var read = await access.DecideAsync(actor.UserId, Capability.ConsoleRead, board, cancellationToken);
        var write = await access.DecideAsync(actor.UserId, Capability.ConsoleWrite, board, cancellationToken);
        return new ConsoleRights(board, actor.IsHolderOrAdmin(holder?.UserId), read, write);
    }
}
