using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Audit;
using Portal.Data;
using Portal.Lab;

namespace Portal.Access;

/// <summary>Reads the rules of <c>Lab:DefaultRules</c>, written as <c>*</c>, <c>user:EMAIL</c>, <c>group:NAME</c>, <c>board:NAME</c>, <c>class:NAME</c>.</summary>
public static class DefaultRules
{
    /// <summary>The rule, or (setting, reason) for the first thing wrong with it.</summary>
    public static (RuleInput? Rule, string? Key, string? Reason) Parse(DefaultRuleOptions rule)
    {
        if (!Enum.TryParse<Capability>(rule.Capability, ignoreCase: true, out var capability) || int.TryParse(rule.Capability, out _))
        {
            return (null, "Capability", $"'{rule.Capability}' is not one of {string.Join(", ", Enum.GetNames<Capability>())}");
        }

        if (!Enum.TryParse<RuleEffect>(rule.Effect, ignoreCase: true, out var effect) || int.TryParse(rule.Effect, out _))
        {
            return (null, "Effect", $"'{rule.Effect}' is not Permit or Deny");
        }

        (SubjectKind? subjectKind, string? subject) = rule.Subject.Trim() switch
        {
            "*" => (SubjectKind.Everyone, null),
            var s when s.StartsWith("user:", StringComparison.OrdinalIgnoreCase) => (SubjectKind.User, s[5..]),
            var s when s.StartsWith("group:", StringComparison.OrdinalIgnoreCase) => (SubjectKind.Group, s[6..]),
            _ => ((SubjectKind?)null, (string?)null),
        };
        if (subjectKind is null)
        {
            return (null, "Subject", $"'{rule.Subject}' is not *, user:EMAIL or group:NAME");
        }

        (TargetKind? targetKind, string? target) = rule.Target.Trim() switch
        {
            "*" => (TargetKind.All, null),
            var t when t.StartsWith("board:", StringComparison.OrdinalIgnoreCase) => (TargetKind.Board, t[6..]),
            var t when t.StartsWith("class:", StringComparison.OrdinalIgnoreCase) => (TargetKind.Class, t[6..]),
            _ => ((TargetKind?)null, (string?)null),
        };
        return targetKind is null
            ? (null, "Target", $"'{rule.Target}' is not *, board:NAME or class:NAME")
            : (new RuleInput(subjectKind.Value, subject, capability, targetKind.Value, target, effect), null, null);
    }
}

/// <summary>Creates the default rules once, on the first start (after the lab is synchronised, so boards exist).</summary>
internal sealed class DefaultRulesSeeder(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    AccessRuleService rules,
    AuditLog audit,
    IOptions<LabOptions> lab,
    ILogger<DefaultRulesSeeder> logger) : IHostedService
{
    private const string SeededAction = "rules-seeded";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (await db.Audit.AnyAsync(a => a.Action == SeededAction, cancellationToken))
            {
                return;
            }
        }

        foreach (var (configured, index) in lab.Value.DefaultRules.Select((r, i) => (r, i)))
        {
            if ((await rules.InsertAsync(DefaultRules.Parse(configured).Rule!, cancellationToken)).Error is { } error)
            {
                throw new InvalidOperationException($"Lab:DefaultRules:{index}: {error}");
            }
        }

        await audit.WriteAsync(AuditLog.System, SeededAction, null, null, $"{lab.Value.DefaultRules.Count} rules from Lab:DefaultRules", cancellationToken);
        logger.LogInformation("Created {Count} access rules from Lab:DefaultRules", lab.Value.DefaultRules.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
