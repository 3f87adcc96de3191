using Portal.Data;

namespace Portal.Sandboxes;

/// <param name="Owner">The portal's <c>portal.owner</c>, part of the container's name.</param>
public sealed record SandboxView(
    string Owner,
    int Id,
    int ReservationId,
    string Board,
    string UserId,
    string Image,
    string Shell,
    SandboxStatus Status,
    string? ContainerId,
    string? Passthrough,
    string? Reason,
    DateTime CreatedAt,
    DateTime? ReadyAt,
    DateTime? EndedAt)
{
    public bool IsLive => Status is SandboxStatus.Init or SandboxStatus.Ready or SandboxStatus.Terminating;

    public string ContainerName => SandboxService.ContainerName(Owner, Id);

    /// <summary>
    /// A sandbox whose reservation has ended is on its way out whether or not its teardown has begun (that runs after
    /// the release commits): the former holder may no longer use it.
    /// </summary>
    public static SandboxStatus StatusOf(SandboxStatus stored, ReservationState reservation) =>
        stored is SandboxStatus.Init or SandboxStatus.Ready && !reservation.IsHeld() ? SandboxStatus.Terminating : stored;
}

/// <summary>What a launch or stop came to: the sandbox as it now is, and a sentence for the person when it did not go as asked.</summary>
public sealed record SandboxOutcome(SandboxView? Sandbox, string? Error = null)
{
    public static SandboxOutcome Fail(string error) => new(null, error);
}

public sealed record ClassImageView(int Id, string BoardClass, string Image, string Shell, bool IsDefault);
