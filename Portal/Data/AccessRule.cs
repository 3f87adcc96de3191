namespace Portal.Data;

public enum Capability
{
    /// <summary>Reserve a board (and launch a sandbox on it).</summary>
    Instantiate,

    /// <summary>Type into the console of a board one holds.</summary>
    ConsoleWrite,

    /// <summary>Watch a console read-only.</summary>
    ConsoleRead,

    /// <summary>Switch the power of a board one holds.</summary>
    Power,

    /// <summary>Launch containers.</summary>
    Sandbox,
}

public enum SubjectKind
{
    User,
    Group,
    Everyone,
}

public enum TargetKind
{
    Board,
    Class,
    All,
}

public enum RuleEffect
{
    Permit,
    Deny,
}

/// <summary>Who (a user, a group, everyone) may or may not do what (a capability) to which boards (one, a class, all).</summary>
public sealed class AccessRule
{
    public int Id { get; set; }

    public SubjectKind SubjectKind { get; set; }

    public string? SubjectUserId { get; set; }

    public ApplicationUser? SubjectUser { get; set; }

    public int? SubjectGroupId { get; set; }

    public Group? SubjectGroup { get; set; }

    public Capability Capability { get; set; }

    public TargetKind TargetKind { get; set; }

    public int? TargetBoardId { get; set; }

    public Board? TargetBoard { get; set; }

    public int? TargetClassId { get; set; }

    public BoardClass? TargetClass { get; set; }

    public RuleEffect Effect { get; set; }
}
