namespace Portal.Deploys;

/// <summary>What to deploy: artifact ids by slot, an optional kernel command line, and whether to boot and wait for a line.</summary>
public sealed record DeployOrder(IReadOnlyDictionary<string, int> Artifacts, string? Append = null, bool Boot = false, string? Expect = null, TimeSpan? Timeout = null)
{
    public const int MaxAppendLength = 4096;
}

public enum DeployErrorKind
{
    Invalid,
    NotFound,
    Forbidden,
    Corrupted,
    DriverFailed,
    ExpectTimedOut,

    /// <summary>The deployer lost the right to deploy to the board meanwhile (the reservation ended, a rule changed).</summary>
    Stopped,
}

public sealed record DeployError(DeployErrorKind Kind, string Message);

/// <summary>A deploy's outcome: the recorded deployment (when it got that far) or why not.</summary>
public sealed record DeployResult(DeploymentView? Deployment, DeployError? Error);

public sealed record DeploymentView(int Id, string Board, int? ReservationId, string User, string Files, bool Boot, string? Error, string Output, DateTime StartedAt, DateTime? EndedAt);
