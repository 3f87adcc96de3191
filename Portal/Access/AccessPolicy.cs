using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Identity;

namespace Portal.Access;

/// <summary>Decides, from the rules in the database, whether a user may use a capability on a board.</summary>
public sealed class AccessPolicy(IDbContextFactory<ApplicationDbContext> dbFactory)
{
    public async Task<AccessDecision> DecideAsync(string userId, Capability capability, string board, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var target = await db.Boards.AsNoTracking().Where(b => b.Name == board).Select(b => new { b.Id, b.BoardClassId, b.Name }).SingleOrDefaultAsync(cancellationToken);
        if (target is null)
        {
            return new(false, null, $"there is no board named '{board}'", []);
        }

        var (isAdmin, groups) = await SubjectAsync(db, userId, cancellationToken);
        var request = new AccessRequest(userId, isAdmin, groups, capability, target.Id, target.BoardClassId, target.Name);
        return AccessDecider.Decide(request, await RulesAsync(db, capability, cancellationToken));
    }

    /// <summary>The boards of a class on which the user has the capability.</summary>
    public async Task<IReadOnlySet<int>> PermittedBoardsAsync(string userId, Capability capability, int classId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rules = await RulesAsync(db, capability, cancellationToken);
        var (isAdmin, groups) = await SubjectAsync(db, userId, cancellationToken);
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
        var rules = await RulesAsync(db, capability, cancellationToken);
        var (isAdmin, groups) = await SubjectAsync(db, userId, cancellationToken);
        var boards = await db.Boards.AsNoTracking().Select(b => new { b.Id, b.BoardClassId, b.Name }).ToListAsync(cancellationToken);
        return boards.ToDictionary(
            board => board.Name,
            board => AccessDecider.Decide(new AccessRequest(userId, isAdmin, groups, capability, board.Id, board.BoardClassId, board.Name), rules));
    }

    /// <summary>Whether the user is an admin, and their groups: read once per decision, whatever the number of boards.</summary>
    private static async Task<(bool IsAdmin, IReadOnlySet<int> Groups)> SubjectAsync(ApplicationDbContext db, string userId, CancellationToken cancellationToken)
    {
        // Roles and groups come from the database, not the sign-in cookie, so a change takes effect at once.
        var isAdmin = await (from userRole in db.UserRoles
                             join role in db.Roles on userRole.RoleId equals role.Id
                             where userRole.UserId == userId && role.Name == Roles.Admin
                             select userRole).AnyAsync(cancellationToken);
        var groups = await db.Users.Where(u => u.Id == userId).SelectMany(u => u.Groups).Select(g => g.Id).ToListAsync(cancellationToken);
        return (isAdmin, groups.ToHashSet());
    }

    private static async Task<List<RuleFacts>> RulesAsync(ApplicationDbContext db, Capability capability, CancellationToken cancellationToken) =>
        (await AccessRuleService.LoadAsync(db.AccessRules.Where(r => r.Capability == capability), cancellationToken))
        .Select(r => r.Facts)
        .ToList();
}
