using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Portal.Audit;
using Portal.Data;
using Portal.Identity;
using Portal.Reservations;

namespace Portal.Access;

public sealed record AccessRuleView(
    int Id, SubjectKind SubjectKind, string Subject, Capability Capability, TargetKind TargetKind, string Target, RuleEffect Effect,
    string? UserId, int? GroupId, int? BoardId, int? ClassId)
{
    public string SubjectText => SubjectKind switch
    {
        SubjectKind.User => $"user {Subject}",
        SubjectKind.Group => $"group {Subject}",
        _ => "everyone (*)",
    };

    public string TargetText => TargetKind switch
    {
        TargetKind.Board => $"board {Target}",
        TargetKind.Class => $"class {Target}",
        _ => "all boards",
    };

    public string Description => $"{Effect} {Capability} to {SubjectText} on {TargetText}";

    public RuleFacts Facts => new(Id, SubjectKind, UserId, GroupId, Capability, TargetKind, BoardId, ClassId, Effect, Description);
}

/// <summary>A rule as an admin writes it: the subject is a user's email or a group's name, the target a board's or class's name.</summary>
public sealed record RuleInput(SubjectKind SubjectKind, string? Subject, Capability Capability, TargetKind TargetKind, string? Target, RuleEffect Effect);

/// <summary>What the Access rules page does: list, add, edit and delete rules (audited, live), and check a decision.</summary>
public sealed class AccessRuleService(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    AccessPolicy policy,
    ActorResolver actors,
    AuditLog audit,
    LabEvents events,
    ILogger<AccessRuleService> logger)
{
    private static readonly AdminResult NotAdmin = new("Only an admin may change access rules.");

    /// <summary>The rules, optionally only those that can touch one board (for it, its class, or all boards).</summary>
    public async Task<IReadOnlyList<AccessRuleView>> ListAsync(string? board, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.AccessRules.AsQueryable();
        if (board is not null && await db.Boards.Where(b => b.Name == board).Select(b => new { b.Id, b.BoardClassId }).SingleOrDefaultAsync(cancellationToken) is { } target)
        {
            query = query.Where(r => r.TargetKind == TargetKind.All || r.TargetBoardId == target.Id || r.TargetClassId == target.BoardClassId);
        }

        return await LoadAsync(query, cancellationToken);
    }

    public async Task<AdminResult> CreateAsync(Actor actor, RuleInput input, CancellationToken cancellationToken)
    {
        if (!await actors.IsAdminAsync(actor.UserId, cancellationToken))
        {
            return NotAdmin;
        }

        var (created, error) = await InsertAsync(input, cancellationToken);
        if (created is not null)
        {
            await ChangedAsync(actor, "rule-add", $"#{created.Id} {created.Description}", cancellationToken);
        }

        return new(error);
    }

    public async Task<AdminResult> UpdateAsync(Actor actor, int ruleId, RuleInput input, CancellationToken cancellationToken)
    {
        if (!await actors.IsAdminAsync(actor.UserId, cancellationToken))
        {
            return NotAdmin;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rule = await db.AccessRules.SingleOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
        {
            return new($"There is no rule #{ruleId}.");
        }

        var before = (await LoadAsync(db.AccessRules.Where(r => r.Id == ruleId), cancellationToken)).Single();
        if (await ApplyAsync(db, rule, input, cancellationToken) is { } error)
        {
            return new(error);
        }

        await db.SaveChangesAsync(cancellationToken);
        var after = (await LoadAsync(db.AccessRules.Where(r => r.Id == ruleId), cancellationToken)).Single();
        await ChangedAsync(actor, "rule-edit", $"#{ruleId} before: {before.Description}; after: {after.Description}", cancellationToken);
        return AdminResult.Ok;
    }

    public async Task<AdminResult> DeleteAsync(Actor actor, int ruleId, CancellationToken cancellationToken)
    {
        if (!await actors.IsAdminAsync(actor.UserId, cancellationToken))
        {
            return NotAdmin;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rule = (await LoadAsync(db.AccessRules.Where(r => r.Id == ruleId), cancellationToken)).SingleOrDefault();
        if (rule is null)
        {
            return new($"There is no rule #{ruleId}.");
        }

        await db.AccessRules.Where(r => r.Id == ruleId).ExecuteDeleteAsync(cancellationToken);
        await ChangedAsync(actor, "rule-delete", $"#{ruleId} was: {rule.Description}", cancellationToken);
        return AdminResult.Ok;
    }

    /// <summary>The decision for a user, a board and a capability, with the deciding rule and why the others did not apply.</summary>
    public Task<AccessDecision> CheckAsync(string userId, Capability capability, string board, CancellationToken cancellationToken) =>
        policy.DecideAsync(userId, capability, board, cancellationToken);

    /// <summary>Adds a rule; the new rule, or the sentence saying which name is unknown. Not audited: callers say why it was added.</summary>
    internal async Task<(AccessRuleView? Rule, string? Error)> InsertAsync(RuleInput input, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rule = new AccessRule();
        if (await ApplyAsync(db, rule, input, cancellationToken) is { } error)
        {
            return (null, error);
        }

        db.AccessRules.Add(rule);
        await db.SaveChangesAsync(cancellationToken);
        return ((await LoadAsync(db.AccessRules.Where(r => r.Id == rule.Id), cancellationToken)).Single(), null);
    }

    internal static async Task<List<AccessRuleView>> LoadAsync(IQueryable<AccessRule> query, CancellationToken cancellationToken) =>
        (await query.AsNoTracking().OrderBy(r => r.Id).Select(RowOf).ToListAsync(cancellationToken)).Select(r => r.View).ToList();

    /// <summary>How a rule is read, with the names its description shows; also the access decision's compiled query.</summary>
    internal static readonly Expression<Func<AccessRule, RuleRow>> RowOf = r => new RuleRow(
        r.Id, r.SubjectKind, r.SubjectUserId, r.SubjectGroupId, r.Capability, r.TargetKind, r.TargetBoardId, r.TargetClassId, r.Effect,
        r.SubjectUser!.Email, r.SubjectGroup!.Name, r.TargetBoard!.Name, r.TargetClass!.Name);

    internal sealed record RuleRow(
        int Id, SubjectKind SubjectKind, string? SubjectUserId, int? SubjectGroupId, Capability Capability, TargetKind TargetKind, int? TargetBoardId,
        int? TargetClassId, RuleEffect Effect, string? UserEmail, string? GroupName, string? BoardName, string? ClassName)
    {
        public AccessRuleView View => new(
            Id,
            SubjectKind,
            SubjectKind switch { SubjectKind.User => UserEmail ?? SubjectUserId!, SubjectKind.Group => GroupName!, _ => "*" },
            Capability,
            TargetKind,
            TargetKind switch { TargetKind.Board => BoardName!, TargetKind.Class => ClassName!, _ => "*" },
            Effect,
            SubjectUserId,
            SubjectGroupId,
            TargetBoardId,
            TargetClassId);
    }

    /// <summary>Resolves names to ids and fills the rule; returns one sentence when a name is unknown.</summary>
    private static async Task<string?> ApplyAsync(ApplicationDbContext db, AccessRule rule, RuleInput input, CancellationToken cancellationToken)
    {
        var subject = input.Subject?.Trim();
        var target = input.Target?.Trim();
        (rule.SubjectUserId, rule.SubjectGroupId, rule.TargetBoardId, rule.TargetClassId) = (null, null, null, null);
        switch (input.SubjectKind)
        {
            case SubjectKind.User:
                rule.SubjectUserId = await db.Users.Where(u => u.Email == subject).Select(u => u.Id).SingleOrDefaultAsync(cancellationToken);
                if (rule.SubjectUserId is null)
                {
                    return $"There is no user '{subject}'.";
                }

                break;
            case SubjectKind.Group:
                rule.SubjectGroupId = await db.Groups.Where(g => g.Name == subject).Select(g => (int?)g.Id).SingleOrDefaultAsync(cancellationToken);
                if (rule.SubjectGroupId is null)
                {
                    return $"There is no group '{subject}'.";
                }

                break;
        }

        switch (input.TargetKind)
        {
            case TargetKind.Board:
                rule.TargetBoardId = await db.Boards.Where(b => b.Name == target && b.RetiredAt == null).Select(b => (int?)b.Id).SingleOrDefaultAsync(cancellationToken);
                if (rule.TargetBoardId is null)
                {
                    return $"There is no board '{target}'.";
                }

                break;
            case TargetKind.Class:
                rule.TargetClassId = await db.BoardClasses.Where(c => c.Name == target && c.RetiredAt == null).Select(c => (int?)c.Id).SingleOrDefaultAsync(cancellationToken);
                if (rule.TargetClassId is null)
                {
                    return $"There is no board class '{target}'.";
                }

                break;
        }

        (rule.SubjectKind, rule.Capability, rule.TargetKind, rule.Effect) = (input.SubjectKind, input.Capability, input.TargetKind, input.Effect);
        return null;
    }

    private async Task ChangedAsync(Actor actor, string action, string details, CancellationToken cancellationToken)
    {
        logger.LogInformation("Access rule change by {User}: {Action} {Details}", actor.Email, action, details);
        await audit.WriteAsync(actor.Email, action, null, null, details, cancellationToken);
        events.Publish(new RulesChanged());
    }
}
