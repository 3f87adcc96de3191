namespace Portal.Data;

public enum QueueEntryState
{
    Waiting,
    Granted,
    Cancelled,
}

/// <summary>A request for any free board of a class (with tag filters) that waits, first come first served.</summary>
public sealed class QueueEntry
{
    public int Id { get; set; }

    public required string UserId { get; set; }

    public ApplicationUser User { get; set; } = null!;

    public int BoardClassId { get; set; }

    public BoardClass Class { get; set; } = null!;

    public Dictionary<string, string> TagFilter { get; set; } = [];

    public TimeSpan Lease { get; set; }

    /// <summary>Queue order; admins may change it. Lower goes first.</summary>
    public long Position { get; set; }

    public QueueEntryState State { get; set; }

    public DateTime CreatedAt { get; set; }

    public int? ReservationId { get; set; }
}
