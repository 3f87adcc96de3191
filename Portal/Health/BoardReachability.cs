using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Health;

/// <summary>
/// Offline set by the drivers: the power switch, console or QEMU of a board that does not answer makes it offline with
/// that sentence (out of the pool, on every page), and its answering again clears it. Drivers report every answer and
/// failure without waiting; only a change of a board's state is written, in the background, and published.
/// </summary>
public sealed class BoardReachability(IDbContextFactory<ApplicationDbContext> dbFactory, LabEvents events, ILogger<BoardReachability> logger) : BackgroundService
{
    public const string Power = "power";
    public const string Console = "console";

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Board, string Part), string> _failing = [];
    private readonly Dictionary<string, string?> _written = new(StringComparer.OrdinalIgnoreCase);
    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>The board's <paramref name="part"/> answered (<paramref name="failure"/> null) or did not, and why. Never blocks.</summary>
    public void Report(string board, string part, string? failure)
    {
        lock (_gate)
        {
            if (failure is null ? !_failing.Remove((board, part)) && _written.ContainsKey(board) : _failing.TryGetValue((board, part), out var same) && same == failure)
            {
                return;
            }

            if (failure is not null)
            {
                _failing[(board, part)] = failure;
            }
        }

        _changed.Writer.TryWrite(board);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var board in _changed.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await WriteAsync(board, stoppingToken);
            }
            catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException)
            {
                logger.LogError(ex, "Recording whether {Board} answers failed", board);
            }
        }
    }

    private async Task WriteAsync(string board, CancellationToken cancellationToken)
    {
        string? reason;
        lock (_gate)
        {
            reason = _failing.Where(f => string.Equals(f.Key.Board, board, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value).FirstOrDefault();
            if (_written.TryGetValue(board, out var written) && written == reason)
            {
                return;
            }

            _written[board] = reason;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var boards = db.Boards.Where(b => b.Name == board);

        // Only a board whose drivers answered before goes offline, and only one the drivers put offline comes back
        // (attention stays for an admin; a driver the host lacks is the synchroniser's to decide at start).
        var changed = reason is not null
            ? await boards.Where(b => b.Condition == BoardCondition.Ready)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Condition, BoardCondition.Offline).SetProperty(b => b.OfflineReason, reason), cancellationToken)
            : await boards.Where(b => b.Condition == BoardCondition.Offline && b.OfflineReason != null)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.Condition, BoardCondition.Ready).SetProperty(b => b.OfflineReason, (string?)null), cancellationToken);
        if (changed > 0)
        {
            if (reason is null)
            {
                logger.LogInformation("Board {Board} answers again: no longer offline", board);
            }
            else
            {
                logger.LogWarning("Board {Board} is offline: {Reason}", board, reason);
            }

            events.Publish(new BoardChanged(board));
        }
    }
}
