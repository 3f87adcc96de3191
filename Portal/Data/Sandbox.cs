namespace Portal.Data;

/// <summary>INIT → READY → TERMINATING → TERMINATED, or FAILED with the engine's reason.</summary>
public enum SandboxStatus
{
    Init,
    Ready,
    Terminating,
    Terminated,
    Failed,
}

/// <summary>A container launched for a reservation on the lab's container engine, with the board's device passed in.</summary>
public sealed class Sandbox
{
    public int Id { get; set; }

    public int ReservationId { get; set; }

    public Reservation Reservation { get; set; } = null!;

    /// <summary>The reservation's id while the sandbox lives (INIT, READY, TERMINATING); a unique index allows one at a time.</summary>
    public int? ActiveReservationId { get; set; }

    public required string Image { get; set; }

    /// <summary>What a terminal tab runs in the container.</summary>
    public required string Shell { get; set; }

    public SandboxStatus Status { get; set; }

    public string? ContainerId { get; set; }

    /// <summary>How the board's device reached the container, in words ("/dev/pts/3 bind-mounted at /dev/ttyBOARD").</summary>
    public string? Passthrough { get; set; }

    /// <summary>Why it failed, or what the last teardown attempt ran into.</summary>
    public string? Reason { get; set; }

    /// <summary>The tail of the container's output, saved at teardown so it stays readable after the container is gone.</summary>
    public string? Logs { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? ReadyAt { get; set; }

    public DateTime? EndedAt { get; set; }
}
