namespace Portal.Data;

public enum ReservationState
{
    /// <summary>Granted; the setup script may still be running.</summary>
    Active,
    Released,
    Expired,

    /// <summary>The setup script failed or timed out; the board went to attention.</summary>
    Failed,
}

/// <summary>A lease of one board to one user, from grant until release, expiry or failure.</summary>
public sealed class Reservation
{
    public int Id { get; set; }

    public int BoardId { get; set; }

    public Board Board { get; set; } = null!;

    /// <summary>The holder; null once their account was deleted (the reservation stays, as history).</summary>
    public required string? UserId { get; set; }

    public ApplicationUser? User { get; set; }

    /// <summary>The holder's email, kept here when their account is deleted, so history still says who it was.</summary>
    public string? DeletedUserEmail { get; set; }

    public ReservationState State { get; set; }

    /// <summary>
    /// The board's id while the reservation is active, null once it ends. A unique index on this column is what
    /// makes double booking impossible, on every database provider and across portal instances.
    /// </summary>
    public int? ActiveBoardId { get; set; }

    public DateTime GrantedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? EndedAt { get; set; }

    /// <summary>Who ended it, when not the holder or the clock (an admin's force-release).</summary>
    public string? EndedBy { get; set; }

    public string? SetupOutput { get; set; }

    public string? TeardownOutput { get; set; }
}
