using System.Linq.Expressions;
using Portal.Data;

namespace Portal.Lab;

/// <summary>
/// The one rule of whether a board may be granted to a user (apart from whether someone holds it): it is active, its
/// hardware answers, nothing needs an admin, its health is not bad or maintenance, and no health check waits for it.
/// Used by a reserve of the board, by class requests and the queue, and again inside every grant's transaction.
/// </summary>
public static class BoardPool
{
    public static readonly Expression<Func<Board, bool>> InPool = b =>
        b.RetiredAt == null
        && b.Condition == BoardCondition.Ready
        && b.Health != BoardHealth.Bad
        && b.Health != BoardHealth.Maintenance
        && b.CheckDue == null;

    private static readonly Func<Board, bool> IsInPool = InPool.Compile();

    /// <summary>Null when the board is in the pool, else why not, in one sentence.</summary>
    public static string? WhyNot(Board board) => IsInPool(board) ? null : board switch
    {
        { RetiredAt: not null } => $"Board {board.Name} was retired from the lab.",
        { Condition: BoardCondition.Attention } => $"Board {board.Name} needs attention; an admin must clear it first.",
        { Condition: BoardCondition.Offline } => $"Board {board.Name} is offline{(board.OfflineReason is { } reason ? $": {reason}" : "")}.",
        { Health: BoardHealth.Maintenance } => $"Board {board.Name} is in maintenance{Note(board)}.",
        { Health: BoardHealth.Bad } => $"Board {board.Name} failed its health check{Note(board)}.",
        _ => $"Board {board.Name} is waiting for a health check ({board.CheckDue}).",
    };

    private static string Note(Board board) => board.HealthNote is { } note ? $": {note.TrimEnd('.')}" : "";
}
