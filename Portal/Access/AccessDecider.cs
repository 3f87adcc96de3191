using Portal.Data;

namespace Portal.Access;

/// <summary>A rule as the decision sees it: ids to match on, and a sentence for people.</summary>
public sealed record RuleFacts(
    int Id,
    SubjectKind SubjectKind,
    string? UserId,
    int? GroupId,
    Capability Capability,
    TargetKind TargetKind,
    int? BoardId,
    int? ClassId,
    RuleEffect Effect,
    string Description);

/// <summary>Who asks for what on which board: the facts a decision needs.</summary>
public sealed record AccessRequest(string UserId, bool IsAdmin, IReadOnlySet<int> GroupIds, Capability Capability, int BoardId, int ClassId, string Board);

/// <summary>Permit or deny, the rule that decided (none for admins and for "no rule"), and why the other rules did not apply.</summary>
public sealed record AccessDecision(bool Permitted, RuleFacts? DecidingRule, string Reason, IReadOnlyList<string> NotApplied);

/// <summary>
/// The decision (as hardshare's): the most specific subject that has any rule for the capability and board wins
/// (the user, then the user's groups, then everyone); within it the most specific target (the board, then its class,
/// then all boards); at the same level a deny beats a permit; no rule means deny; admins pass.
/// </summary>
public static class AccessDecider
{
    private static readonly SubjectKind[] SubjectOrder = [SubjectKind.User, SubjectKind.Group, SubjectKind.Everyone];
    private static readonly TargetKind[] TargetOrder = [TargetKind.Board, TargetKind.Class, TargetKind.All];

    public static AccessDecision Decide(AccessRequest request, IEnumerable<RuleFacts> rules)
    {
        if (request.IsAdmin)
        {
            return new(true, null, "admins pass every check", []);
        }

        var notApplied = new List<string>();
        var applicable = new List<RuleFacts>();
        foreach (var rule in rules.Where(r => r.Capability == request.Capability))
        {
            if (WhyNot(rule, request) is { } reason)
            {
                notApplied.Add($"#{rule.Id} {rule.Description}: {reason}");
            }
            else
            {
                applicable.Add(rule);
            }
        }

        foreach (var subject in SubjectOrder)
        {
            foreach (var target in TargetOrder)
            {
                var level = applicable.Where(r => r.SubjectKind == subject && r.TargetKind == target).ToList();
                if (level.Count == 0)
                {
                    continue;
                }

                var decider = level.FirstOrDefault(r => r.Effect == RuleEffect.Deny) ?? level[0];
                notApplied.AddRange(applicable.Where(r => r != decider).Select(r => $"#{r.Id} {r.Description}: {Outranked(r, decider)}"));
                var permitted = decider.Effect == RuleEffect.Permit;
                return new(permitted, decider, $"#{decider.Id} {decider.Description}", notApplied);
            }
        }

        return new(false, null, $"no rule gives {request.Capability} on {request.Board}", notApplied);
    }

    private static string? WhyNot(RuleFacts rule, AccessRequest request)
    {
        var subject = rule.SubjectKind switch
        {
            SubjectKind.User when rule.UserId != request.UserId => "it is for another user",
            SubjectKind.Group when rule.GroupId is not { } group || !request.GroupIds.Contains(group) => "the user is not in that group",
            _ => null,
        };
        return subject ?? rule.TargetKind switch
        {
            TargetKind.Board when rule.BoardId != request.BoardId => "it is for another board",
            TargetKind.Class when rule.ClassId != request.ClassId => "it is for another class",
            _ => null,
        };
    }

    private static string Outranked(RuleFacts rule, RuleFacts decider) =>
        rule.SubjectKind != decider.SubjectKind ? $"a rule for a more specific subject ({decider.SubjectKind.ToString().ToLowerInvariant()}) decided"
        : rule.TargetKind != decider.TargetKind ? $"a rule for a more specific target ({decider.TargetKind.ToString().ToLowerInvariant()}) decided"
        : "at the same level a deny wins";
}
