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

/// <summary>One board of the lab, synchronised from the Lab config; never deleted, only retired.</summary>
public sealed class Board
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public int BoardClassId { get; set; }

    public BoardClass Class { get; set; } = null!;

    public Dictionary<string, string> Tags { get; set; } = [];

    public BoardCondition Condition { get; set; }

    /// <summary>Set when the board left the config; kept for history.</summary>
    public DateTime? RetiredAt { get; set; }
}
