using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Identity;

/// <summary>
/// Who asks, as the services must see them: the id and email from the sign-in, whether they are an admin from the
/// database at the moment of asking. A cookie's role claim may be up to <see cref="SecurityOptions.RevalidationInterval"/>
/// old; a demoted or disabled admin must lose their rights at once, so nothing decides from it.
/// </summary>
public sealed class ActorResolver(IDbContextFactory<ApplicationDbContext> dbFactory)
{
    public async Task<Actor> ResolveAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The user is not signed in.");
        return new Actor(userId, user.Identity?.Name ?? "", await IsAdminAsync(userId, cancellationToken));
    }

    /// <summary>The same user as the database has them now: an admin demoted or disabled since is no longer one.</summary>
    public async Task<Actor> CurrentAsync(Actor actor, CancellationToken cancellationToken) =>
        actor with { IsAdmin = await IsAdminAsync(actor.UserId, cancellationToken) };

    /// <summary>Whether the user holds the Admin role now and is not disabled.</summary>
    public async Task<bool> IsAdminAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await IsAdminAsync(db, userId, cancellationToken);
    }

    /// <summary>The one query that decides "is admin": the Admin role in the database, and not disabled.</summary>
    public static Task<bool> IsAdminAsync(ApplicationDbContext db, string userId, CancellationToken cancellationToken) =>
        (from userRole in db.UserRoles
         join role in db.Roles on userRole.RoleId equals role.Id
         join account in db.Users on userRole.UserId equals account.Id
         where userRole.UserId == userId && role.Name == Roles.Admin && account.LockoutEnd != DateTimeOffset.MaxValue
         select userRole).AnyAsync(cancellationToken);
}
