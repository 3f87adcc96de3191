using System.Text.Json.Serialization;
using Portal.Data;
using Portal.Hardware;

namespace Portal.Events;

/// <summary>Something changed in the lab; published after the change committed (and relayed, as JSON, to the other portal instances).</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$event")]
[JsonDerivedType(typeof(BoardChanged), "board")]
[JsonDerivedType(typeof(ReservationChanged), "reservation")]
[JsonDerivedType(typeof(QueueChanged), "queue")]
[JsonDerivedType(typeof(RulesChanged), "rules")]
[JsonDerivedType(typeof(UsersChanged), "users")]
[JsonDerivedType(typeof(PowerChanged), "power")]
[JsonDerivedType(typeof(SandboxChanged), "sandbox")]
[JsonDerivedType(typeof(DeploymentChanged), "deployment")]
public abstract record LabEvent
{
    /// <summary>Whether the event is about that board (a rule change is about every board).</summary>
    public bool IsAboutBoard(string board) => this switch
    {
        BoardChanged changed => changed.Board == board,
        ReservationChanged changed => changed.Board == board,
        PowerChanged changed => changed.Board == board,
        SandboxChanged changed => changed.Board == board,
        DeploymentChanged changed => changed.Board == board,
        RulesChanged or UsersChanged => true,
        _ => false,
    };
}

/// <summary>
/// The board itself changed: its health, condition (attention, offline), maintenance, or a health check due or
/// running. Who holds it, and how, is a <see cref="ReservationChanged"/>.
/// </summary>
public sealed record BoardChanged(string Board) : LabEvent;

/// <summary>
/// A reservation moved to <paramref name="State"/>. <paramref name="Granted"/> marks the grant itself (once per
/// reservation), <paramref name="FromQueue"/> a grant to a waiting request, <paramref name="HealthCheck"/> a
/// reservation a health check holds (no user: <paramref name="UserId"/> is empty).
/// </summary>
public sealed record ReservationChanged(int ReservationId, string Board, string UserId, ReservationState State, bool FromQueue = false, bool Granted = false, bool HealthCheck = false) : LabEvent;

/// <summary>The queue of a class changed: an entry joined, left, was granted or moved.</summary>
public sealed record QueueChanged(string BoardClass) : LabEvent;

/// <summary>An access rule was added, changed or removed: every open page re-decides what its user may do.</summary>
public sealed record RulesChanged : LabEvent;

/// <summary>
/// A user's roles, groups, tokens or account changed (or a group went, <paramref name="UserId"/> null): open consoles
/// and terminals decide again what their user may do, as for <see cref="RulesChanged"/>, and the tokens kept in memory
/// are read again.
/// </summary>
public sealed record UsersChanged(string? UserId) : LabEvent;

/// <summary>A board's power was switched (or found in a new state).</summary>
public sealed record PowerChanged(string Board, PowerState State) : LabEvent;

/// <summary>A sandbox container moved to a new status.</summary>
public sealed record SandboxChanged(string Board, int ReservationId, int SandboxId, SandboxStatus Status) : LabEvent;

/// <summary>A deployment to a board started or ended.</summary>
public sealed record DeploymentChanged(string Board, int DeploymentId, string UserId) : LabEvent;
