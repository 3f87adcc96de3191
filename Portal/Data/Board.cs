namespace Portal.Data;

/// <summary>Whether a board can be handed out, apart from who holds it.</summary>
public enum BoardCondition
{
    Ready,

    /// <summary>Its hardware does not answer (power switch or console unreachable).</summary>
    Offline,

    /// <summary>Something went wrong (a failed setup script, say); an admin must look before anyone gets it.</summary>
    Attention,
}

/// <summary>What the board's last health check (or an admin) says of it; see Portal.Health.</summary>
public enum BoardHealth
{
    /// <summary>Never checked, or cleared by an admin: in the pool.</summary>
    Unknown,

    /// <summary>Its last check passed.</summary>
    Good,

    /// <summary>Its last check failed: out of the pool until a check passes or an admin clears it.</summary>
    Bad,

    /// <summary>Taken out of the pool by an admin, with a comment.</summary>
    Maintenance,
}

/// <summary>One board of the lab, synchronised from the Lab config; never deleted, only retired.</summary>
public sealed class Board
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public int BoardClassId { get; set; }

    public BoardClass Class { get; set; } = null!;

    public Dictionary<string, string> Tags { get; set; } = [];

    public BoardCondition Condition { get; set; }

    /// <summary>Why the board is offline, as its driver said it (a power switch or console that does not answer).</summary>
    public string? OfflineReason { get; set; }

    public BoardHealth Health { get; set; }

    /// <summary>Why it is bad (the failed check's reason) or in maintenance (the admin's comment).</summary>
    public string? HealthNote { get; set; }

    /// <summary>Set while a health check waits to take the board: why it was asked for. Such a board is out of the pool.</summary>
    public string? CheckDue { get; set; }

    /// <summary>Checks failed in a row; at the check's <c>MaxFailuresInRow</c> no check runs by itself until an admin clears the board.</summary>
    public int FailedChecksInRow { get; set; }

    /// <summary>Reservations that ended since the last check (for <c>AfterReservations</c>).</summary>
    public int ReservationsSinceCheck { get; set; }

    public DateTime? LastCheckAt { get; set; }

    /// <summary>Set when the board left the config; kept for history.</summary>
    public DateTime? RetiredAt { get; set; }
}
