namespace Portal.Data;

/// <summary>Files put onto a board by someone, during a reservation, with what the deploy printed and how it ended.</summary>
public sealed class Deployment
{
    public int Id { get; set; }

    public required string Board { get; set; }

    public int? ReservationId { get; set; }

    public required string UserId { get; set; }

    public ApplicationUser User { get; set; } = null!;

    /// <summary>What went where: <c>kernel=bzImage sha256:...</c>, one line per slot.</summary>
    public required string Files { get; set; }

    public bool Boot { get; set; }

    /// <summary>Null when it worked; else the one sentence that says why not.</summary>
    public string? Error { get; set; }

    /// <summary>What the driver or flashing command printed, and the boot's result.</summary>
    public string Output { get; set; } = "";

    public DateTime StartedAt { get; set; }

    public DateTime? EndedAt { get; set; }
}
