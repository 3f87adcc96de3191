using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Hardware;

namespace Portal.Lab;

/// <summary>What a person sees of a board at a glance.</summary>
public enum BoardState
{
    Free,

    /// <summary>Granted; the setup script is running.</summary>
    Preparing,

    Reserved,

    /// <summary>Released; the teardown script is running and nobody gets the board until it has finished.</summary>
    Releasing,

    Offline,
    Attention,
}

/// <summary>Who holds a board now (while preparing or reserved; a releasing board has no holder).</summary>
public sealed record BoardHolder(int ReservationId, string UserId, string Email, DateTime ExpiresAt, bool Preparing);

public sealed record BoardSummary(string Name, string ClassName, BoardState State, IReadOnlyDictionary<string, string> Tags, BoardHolder? Holder);

public sealed record BoardClassSummary(string Name, string Arch, string? Description, IReadOnlyList<BoardSummary> Boards)
{
    public int Free => Boards.Count(b => b.State == BoardState.Free);
}

/// <summary>A driver as shown to users: its name and its settings, secrets left out.</summary>
public sealed record DriverView(string Driver, IReadOnlyDictionary<string, string?> Settings);

public sealed record BoardDetails(
    BoardSummary Board,
    string Arch,
    string? ClassDescription,
    DriverView? Power,
    DriverView? Console,
    string? NetworkInterface,
    string? SshEndpoint,
    string? OfflineReason = null,
    DriverView? Deploy = null);

/// <summary>Read side of the lab for pages and the API: active boards from the database, drivers from the config.</summary>
public sealed class LabCatalog(IDbContextFactory<ApplicationDbContext> dbFactory, IOptionsMonitor<LabOptions> lab, DriverFactory drivers)
{
    public async Task<IReadOnlyList<BoardClassSummary>> GetClassesAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var classes = await db.BoardClasses.AsNoTracking()
            .Where(c => c.RetiredAt == null)
            .OrderBy(c => c.Name)
            .Select(c => new
            {
                c.Name,
                c.Arch,
                c.Description,
                Boards = c.Boards.Where(b => b.RetiredAt == null).OrderBy(b => b.Name).ToList(),
            })
            .ToListAsync(cancellationToken);
        var holders = await HoldersAsync(db, null, cancellationToken);

        return classes
            .Select(c => new BoardClassSummary(c.Name, c.Arch, c.Description, c.Boards.Select(b => Summarise(b, c.Name, holders)).ToList()))
            .ToList();
    }

    /// <summary>The board's details, or null when no active board has that name.</summary>
    public async Task<BoardDetails?> GetBoardAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var board = await db.Boards.AsNoTracking().Include(b => b.Class)
            .SingleOrDefaultAsync(b => b.Name == name && b.RetiredAt == null, cancellationToken);
        if (board is null)
        {
            return null;
        }

        var holders = await HoldersAsync(db, board.Id, cancellationToken);
        var configured = lab.CurrentValue.FindBoard(board.Name);
        return new BoardDetails(
            Summarise(board, board.Class.Name, holders),
            board.Class.Arch,
            board.Class.Description,
            View(DriverKind.Power, configured is null ? null : LabDriverSpecs.PowerOf(configured)),
            View(DriverKind.Console, configured is null ? null : LabDriverSpecs.ConsoleOf(configured)),
            configured?.Network?.Interface,
            configured?.Ssh is { Host: { } host } ssh ? $"{(ssh.User is null ? "" : ssh.User + "@")}{host}:{ssh.Port}" : null,
            board.Condition == BoardCondition.Offline && configured is not null ? LabDriverSpecs.Unavailable(drivers, configured) : null,
            View(DriverKind.Deploy, configured is null ? null : LabDriverSpecs.DeployOf(configured)));
    }

    private DriverView? View(DriverKind kind, DriverSpec? spec) =>
        spec is null ? null : new DriverView(spec.Driver, drivers.PublicSettings(kind, spec));

    /// <summary>The reservation that has each taken board, from preparing to releasing; its holder unless it is releasing.</summary>
    private static async Task<Dictionary<int, (BoardHolder? Holder, bool Releasing)>> HoldersAsync(ApplicationDbContext db, int? boardId, CancellationToken cancellationToken) =>
        await db.Reservations.AsNoTracking()
            .Where(r => r.ActiveBoardId != null && (boardId == null || r.ActiveBoardId == boardId))
            .Select(r => new
            {
                BoardId = r.ActiveBoardId!.Value,
                r.State,
                Holder = new BoardHolder(r.Id, r.UserId!, r.User!.Email ?? r.UserId!, r.ExpiresAt, r.State == ReservationState.Preparing),
            })
            .ToDictionaryAsync(r => r.BoardId, r => (r.State == ReservationState.Releasing ? null : r.Holder, r.State == ReservationState.Releasing), cancellationToken);

    private static BoardSummary Summarise(Board board, string className, Dictionary<int, (BoardHolder? Holder, bool Releasing)> taken)
    {
        var (holder, releasing) = taken.GetValueOrDefault(board.Id);
        return new(board.Name, className, StateOf(board, holder, releasing), board.Tags, holder);
    }

    private static BoardState StateOf(Board board, BoardHolder? holder, bool releasing) => board.Condition switch
    {
        BoardCondition.Attention => BoardState.Attention,
        BoardCondition.Offline => BoardState.Offline,
        _ when releasing => BoardState.Releasing,
        _ when holder is { Preparing: true } => BoardState.Preparing,
        _ when holder is not null => BoardState.Reserved,
        _ => BoardState.Free,
    };
}
