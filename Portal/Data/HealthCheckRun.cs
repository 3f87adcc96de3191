namespace Portal.Data;

public enum HealthCheckOutcome
{
    Running,
    Passed,
    Failed,
}

/// <summary>One health check of a board: why it ran, what it found and its log (the steps and the console). The last 50 per board are kept.</summary>
public sealed class HealthCheckRun
{
    public int Id { get; set; }

    public int BoardId { get; set; }

    public Board Board { get; set; } = null!;

    /// <summary>The reservation that held the board while the check ran; its console recording is the check's.</summary>
    public int ReservationId { get; set; }

    /// <summary>Why it ran: "on demand by EMAIL", "every 12:00:00", "after 10 reservations", "after a failed teardown", "back from maintenance".</summary>
    public required string Trigger { get; set; }

    public HealthCheckOutcome Outcome { get; set; }

    /// <summary>The failure in one sentence (null while running and when passed).</summary>
    public string? Reason { get; set; }

    public string Log { get; set; } = "";

    public DateTime StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }
}
