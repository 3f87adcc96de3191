using Portal.Data;

namespace Portal.Sandboxes;

public sealed record SandboxView(
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

    public string ContainerName => SandboxService.ContainerName(Id);
}

/// <summary>What a launch or stop came to: the sandbox as it now is, and a sentence for the person when it did not go as asked.</summary>
public sealed record SandboxOutcome(SandboxView? Sandbox, string? Error = null)
{
    public static SandboxOutcome Fail(string error) => new(null, error);
}

public sealed record ClassImageView(int Id, string BoardClass, string Image, string Shell, bool IsDefault);
