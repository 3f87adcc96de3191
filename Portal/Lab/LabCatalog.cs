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

    /// <summary>A health check holds the board, or waits to take it once it is free.</summary>
    Checking,

    /// <summary>Its health check failed: out of the pool until a check passes or an admin clears it.</summary>
    Bad,

    /// <summary>An admin took it out of the pool, with a comment.</summary>
    Maintenance,
}

/// <summary>Who holds a board now (while preparing or reserved; a releasing board has no holder).</summary>
public sealed record BoardHolder(int ReservationId, string UserId, string Email, DateTime ExpiresAt, bool Preparing);

/// <summary>A board at a glance; <see cref="Health"/> and <see cref="HealthNote"/> (why bad, or the maintenance comment) beside the state.</summary>
public sealed record BoardSummary(
    string Name, string ClassName, BoardState State, IReadOnlyDictionary<string, string> Tags, BoardHolder? Holder,
    BoardHealth Health = BoardHealth.Unknown, string? HealthNote = null);

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
            board.Condition == BoardCondition.Offline ? board.OfflineReason ?? (configured is null ? null : LabDriverSpecs.Unavailable(drivers, configured)) : null,
            View(DriverKind.Deploy, configured is null ? null : LabDriverSpecs.DeployOf(configured)));
    }

    private DriverView? View(DriverKind kind, DriverSpec? spec) =>
        spec is null ? null : new DriverView(spec.Driver, drivers.PublicSettings(kind, spec));

    /// <summary>
    /// The reservation that has each taken board, from preparing to releasing: its holder unless it is releasing or a
    /// health check's.
    /// </summary>
    private static async Task<Dictionary<int, Taken>> HoldersAsync(ApplicationDbContext db, int? boardId, CancellationToken cancellationToken) =>
        await db.Reservations.AsNoTracking()
            .Where(r => r.ActiveBoardId != null && (boardId == null || r.ActiveBoardId == boardId))
            .Select(r => new
            {
                BoardId = r.ActiveBoardId!.Value,
                r.State,
                r.HealthCheck,
                Holder = new BoardHolder(r.Id, r.UserId ?? "", r.User!.Email ?? r.UserId ?? "", r.ExpiresAt, r.State == ReservationState.Preparing),
            })
            .ToDictionaryAsync(
                r => r.BoardId,
                r => new Taken(r.State == ReservationState.Releasing || r.HealthCheck ? null : r.Holder, r.State == ReservationState.Releasing, r.HealthCheck),
                cancellationToken);

    private sealed record Taken(BoardHolder? Holder, bool Releasing, bool Checking);

    private static BoardSummary Summarise(Board board, string className, Dictionary<int, Taken> taken)
    {
        var now = taken.GetValueOrDefault(board.Id) ?? new Taken(null, false, false);
        return new(board.Name, className, StateOf(board, now), board.Tags, now.Holder, board.Health, board.HealthNote);
    }

    // What holds the board goes first (a reservation ending while an admin set maintenance shows as releasing), then
    // its health; a due check shows as checking, as it will be in a moment once the board is free.
    private static BoardState StateOf(Board board, Taken taken) => board.Condition switch
    {
        BoardCondition.Attention => BoardState.Attention,
        BoardCondition.Offline => BoardState.Offline,
        _ when taken.Checking => BoardState.Checking,
        _ when taken.Releasing => BoardState.Releasing,
        _ when taken.Holder is { Preparing: true } => BoardState.Preparing,
        _ when taken.Holder is not null => BoardState.Reserved,
        _ when board.Health == BoardHealth.Maintenance => BoardState.Maintenance,
        _ when board.Health == BoardHealth.Bad => BoardState.Bad,
        _ when board.CheckDue is not null => BoardState.Checking,
        _ => BoardState.Free,
    };
}
