using Portal.Data;

namespace Portal.Access;

/// <summary>How a denied capability is said to the person who asked, on a page or in an error.</summary>
public static class AccessRefusal
{
    /// <summary>Null when the decision permits, else e.g. "You lack the Instantiate capability on board pine-01 (#3 Deny ...)."</summary>
    public static string? Of(AccessDecision decision, Capability capability, string board) =>
        decision.Permitted ? null : $"You lack the {capability} capability on board {board} ({decision.Reason}).";

    /// <summary>A refusal's sentence as the clause after "closed: " or "stopped: ", where something that had the right ends.</summary>
    public static string AsReason(string refusal) => char.ToLowerInvariant(refusal[0]) + refusal[1..].TrimEnd('.');
}
