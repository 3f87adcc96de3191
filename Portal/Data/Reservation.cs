namespace Portal.Data;

/// <summary>
/// A reservation's life: <see cref="Preparing"/> (setup script running) → <see cref="Active"/> → <see cref="Releasing"/>
/// (teardown running) → <see cref="Released"/> or <see cref="Expired"/>; or <see cref="Failed"/> when setup fails.
/// Without a setup script a grant starts <see cref="Active"/> and a release ends at once.
/// </summary>
public enum ReservationState
{
    /// <summary>Granted; the setup script is running. The board is the holder's.</summary>
    Preparing,

    /// <summary>Granted and set up.</summary>
    Active,

    /// <summary>Released or expired; the teardown script is running, and the board goes to nobody until it ends.</summary>
    Releasing,

    Released,
    Expired,

    /// <summary>The setup script failed or timed out; the board went to attention.</summary>
    Failed,
}

public static class ReservationStates
{
    /// <summary>Whether the holder has the board: granted and neither releasing nor ended.</summary>
    public static bool IsHeld(this ReservationState state) => state is ReservationState.Preparing or ReservationState.Active;

    public static bool HasEnded(this ReservationState state) => state is ReservationState.Released or ReservationState.Expired or ReservationState.Failed;
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
    /// The board's id from grant until the reservation has ended (teardown included), null after. A unique index on this column is what
    /// makes double booking impossible, on every database provider and across portal instances.
    /// </summary>
    public int? ActiveBoardId { get; set; }

    public DateTime GrantedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    /// <summary>When the holder, an admin or the clock ended the lease (the start of <see cref="ReservationState.Releasing"/>).</summary>
    public DateTime? EndedAt { get; set; }

    /// <summary>What a releasing reservation becomes once its teardown has finished: Released or Expired.</summary>
    public ReservationState? EndsAs { get; set; }

    /// <summary>Who ended it, when not the holder or the clock (an admin's force-release).</summary>
    public string? EndedBy { get; set; }

    /// <summary>The board was taken by a health check, not a user (<see cref="UserId"/> is null); see Portal.Health.</summary>
    public bool HealthCheck { get; set; }

    public string? SetupOutput { get; set; }

    public string? TeardownOutput { get; set; }
}
