namespace Portal.Data;

/// <summary>A kind of board (e.g. pine64-a64-lts on arm64), synchronised from the Lab config.</summary>
public sealed class BoardClass
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public required string Arch { get; set; }

    public string? Description { get; set; }

    /// <summary>Set when the class left the config; kept for the history of its boards.</summary>
    public DateTime? RetiredAt { get; set; }

    public List<Board> Boards { get; set; } = [];
}
