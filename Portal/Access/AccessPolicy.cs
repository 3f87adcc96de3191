using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Identity;

namespace Portal.Access;

/// <summary>The board a decision is about, as the rules match it.</summary>
public sealed record AccessTarget(int Id, int ClassId, string Name)
{
    public static AccessTarget Of(Board board) => new(board.Id, board.BoardClassId, board.Name);
}

/// <summary>Decides, from the rules in the database (kept in memory until they change), whether a user may use a capability on a board.</summary>
public sealed class AccessPolicy(IDbContextFactory<ApplicationDbContext> dbFactory, LabEvents events)
{
    // A capability's rules, which every reserve of a non-admin needs, kept until a rule changes (RulesChanged) or a
    // user or group goes (UsersChanged: their rules go with them).
    private readonly LabEventCache<Capability, IReadOnlyList<RuleFacts>> _rules = new(events, labEvent => labEvent is RulesChanged or UsersChanged, capacity: 100);

    // Compiled once per instance (a compiled query serves one model, and a process may host several portals, as the
    // tests do), so a read skips EF Core's lookup of the expression in its translation cache.
    private readonly Func<ApplicationDbContext, Capability, IAsyncEnumerable<AccessRuleService.RuleRow>> _rulesOf = EF.CompileAsyncQuery(
        (ApplicationDbContext db, Capability capability) => db.AccessRules.AsNoTracking().Where(r => r.Capability == capability).OrderBy(r => r.Id).Select(AccessRuleService.RowOf));

    public async Task<AccessDecision> DecideAsync(string userId, Capability capability, string board, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var target = await db.Boards.AsNoTracking().Where(b => b.Name == board).Select(b => new AccessTarget(b.Id, b.BoardClassId, b.Name)).SingleOrDefaultAsync(cancellationToken);
        if (target is null)
        {
            return new(false, null, $"there is no board named '{board}'", []);
        }

        return await DecideAsync(userId, await SubjectAsync(db, userId, cancellationToken), capability, target, cancellationToken);
    }

    /// <summary>
    /// The same for a board the caller has just read, and an actor whose groups may have been read with it in this
    /// request (<see cref="Actor.GroupIds"/>); otherwise they are read now.
    /// </summary>
    public async Task<AccessDecision> DecideAsync(Actor actor, Capability capability, AccessTarget target, CancellationToken cancellationToken)
    {
        if (actor.GroupIds is { } groups)
        {
            return await DecideAsync(actor.UserId, (actor.IsAdmin, false, groups), capability, target, cancellationToken);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await DecideAsync(actor.UserId, await SubjectAsync(db, actor.UserId, cancellationToken), capability, target, cancellationToken);
    }

    private async Task<AccessDecision> DecideAsync(
        string userId, (bool IsAdmin, bool Disabled, IReadOnlySet<int> Groups) subject, Capability capability, AccessTarget target, CancellationToken cancellationToken)
    {
        if (subject.Disabled)
        {
            return Disabled;
        }

        var request = new AccessRequest(userId, subject.IsAdmin, subject.Groups, capability, target.Id, target.ClassId, target.Name);
        // Admins pass whatever the rules say: no need to read them.
        return AccessDecider.Decide(request, subject.IsAdmin ? [] : await RulesAsync(capability, cancellationToken));
    }

    /// <summary>The boards of a class on which the user has the capability.</summary>
    public async Task<IReadOnlySet<int>> PermittedBoardsAsync(string userId, Capability capability, int classId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rules = await RulesAsync(capability, cancellationToken);
        var (isAdmin, disabled, groups) = await SubjectAsync(db, userId, cancellationToken);
        if (disabled)
        {
            return new HashSet<int>();
        }

        var boards = await db.Boards.AsNoTracking().Where(b => b.BoardClassId == classId).Select(b => new { b.Id, b.Name }).ToListAsync(cancellationToken);
        return boards
            .Where(board => AccessDecider.Decide(new AccessRequest(userId, isAdmin, groups, capability, board.Id, classId, board.Name), rules).Permitted)
            .Select(board => board.Id)
            .ToHashSet();
    }

    /// <summary>The decision on every board at once, from one read of the rules: what a page shows as allowed or refused.</summary>
    public async Task<IReadOnlyDictionary<string, AccessDecision>> DecideEveryBoardAsync(string userId, Capability capability, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rules = await RulesAsync(capability, cancellationToken);
        var (isAdmin, disabled, groups) = await SubjectAsync(db, userId, cancellationToken);
        var boards = await db.Boards.AsNoTracking().Select(b => new { b.Id, b.BoardClassId, b.Name }).ToListAsync(cancellationToken);
        return boards.ToDictionary(
            board => board.Name,
            board => disabled ? Disabled : AccessDecider.Decide(new AccessRequest(userId, isAdmin, groups, capability, board.Id, board.BoardClassId, board.Name), rules));
    }

    private static readonly AccessDecision Disabled = new(false, null, "the account is disabled", []);

    /// <summary>Whether the user is an admin, disabled (or gone), and their groups: read once per decision, whatever the number of boards.</summary>
    private static async Task<(bool IsAdmin, bool Disabled, IReadOnlySet<int> Groups)> SubjectAsync(ApplicationDbContext db, string userId, CancellationToken cancellationToken)
    {
        // Roles and groups come from the database, not the sign-in cookie, so a change takes effect at once; one query.
        var account = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new
            {
                u.LockoutEnd,
                IsAdmin = db.UserRoles.Any(ur => ur.UserId == u.Id && db.Roles.Any(r => r.Id == ur.RoleId && r.Name == Roles.Admin)),
                Groups = u.Groups.Select(g => g.Id).ToList(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        return account is null || account.LockoutEnd == DateTimeOffset.MaxValue
            ? (false, true, new HashSet<int>())
            : (account.IsAdmin, false, account.Groups.ToHashSet());
    }

    private async Task<IReadOnlyList<RuleFacts>> RulesAsync(Capability capability, CancellationToken cancellationToken) =>
        (await _rules.GetOrReadAsync(
            capability,
            async ct =>
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var rules = new List<RuleFacts>();
                await foreach (var row in _rulesOf(db, capability).WithCancellation(ct))
                {
                    rules.Add(row.View.Facts);
                }

                return rules;
            },
            cancellationToken))!;
}
