using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Lab;

namespace Portal.Health;

/// <summary>
/// When a board's check becomes due by itself, decided in the transaction of the change that causes it (a reservation
/// ended, a teardown failed, maintenance ended, its interval passed). A due check takes the board out of the pool
/// (<see cref="BoardPool"/>) until <see cref="HealthCheckScheduler"/> starts it.
/// </summary>
public sealed class HealthCheckTriggers(IOptionsMonitor<LabOptions> lab)
{
    public HealthCheckOptions? CheckOf(string board) =>
        lab.CurrentValue.FindBoard(board) is { } configured ? lab.CurrentValue.HealthCheckOf(configured) : null;

    /// <summary>
    /// The names, in lower case, of the configured boards whose check runs at an interval (<c>Every</c>): names compare
    /// ignoring case, as <see cref="CheckOf"/> does, and are ASCII (the config's validator says so).
    /// </summary>
    public List<string> BoardsCheckedAtIntervals() =>
        lab.CurrentValue.Boards.Where(b => lab.CurrentValue.HealthCheckOf(b)?.Every is not null).Select(b => b.Name!.ToLowerInvariant()).ToList();

    /// <summary>Whether checks run by themselves on the board: it has one, is not in maintenance and has not failed it too often in a row.</summary>
    public static bool RunsByItself(Board board, HealthCheckOptions? check) =>
        check is not null && board.Health != BoardHealth.Maintenance && board.FailedChecksInRow < check.MaxFailuresInRow;

    // Every release reads its board here; compiled once per instance (a compiled query serves one model, and a process
    // may host several portals, as the tests do).
    private readonly Func<ApplicationDbContext, string, CancellationToken, Task<Board>> _board = EF.CompileAsyncQuery(
        (ApplicationDbContext db, string name, CancellationToken cancellationToken) => db.Boards.Single(b => b.Name == name));

    /// <summary>
    /// A user's reservation of the board ended (in its transaction, the board tracked by <paramref name="db"/>): counted
    /// for <c>AfterReservations</c>. A failed teardown makes a check due when the check asks for it, else puts the board
    /// in attention, as without checks. Returns the board's class, whose queue its end may serve, and whether the board
    /// itself changed (a check became due, or it needs attention).
    /// </summary>
    internal async Task<ReservationEnd> ReservationEndedAsync(ApplicationDbContext db, string boardName, bool teardownFailed, CancellationToken cancellationToken)
    {
        var board = await _board(db, boardName, cancellationToken);
        var (checkDue, condition) = (board.CheckDue, board.Condition);
        var check = CheckOf(boardName);
        board.ReservationsSinceCheck++;
        if (teardownFailed)
        {
            if (check is { AfterFailedTeardown: true })
            {
                board.CheckDue ??= "after a failed teardown";
            }
            else
            {
                board.Condition = BoardCondition.Attention;
            }
        }
        else if (check?.AfterReservations is { } every && board.ReservationsSinceCheck >= every && RunsByItself(board, check))
        {
            board.CheckDue ??= $"after {every} reservation{(every == 1 ? "" : "s")}";
        }

        return new ReservationEnd(board.BoardClassId, board.CheckDue != checkDue || board.Condition != condition);
    }
}

/// <summary>What a reservation's end did to its board: its class, and whether the board itself changed (<see cref="BoardChanged"/>).</summary>
internal readonly record struct ReservationEnd(int BoardClassId, bool BoardChanged);
