namespace Portal.Data;

/// <summary>Who did what to which board, and when: kept for good, shown to admins.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    /// <summary>The user's email, or "system" for the clock and start-up.</summary>
    public required string Actor { get; set; }

    public required string Action { get; set; }

    public string? Board { get; set; }

    public int? ReservationId { get; set; }

    public string? Details { get; set; }
}
