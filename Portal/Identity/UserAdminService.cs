using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Identity;

public sealed record UserRow(string Id, string Email, bool IsAdmin, bool IsDisabled, IReadOnlyList<string> Groups);

public sealed record NewUser(string Email, string Password, bool IsAdmin, IReadOnlyList<string> Groups);

/// <summary>The outcome of an admin action: success, or one sentence saying why not.</summary>
public sealed record AdminResult(string? Error)
{
    public static readonly AdminResult Ok = new((string?)null);

    public bool Succeeded => Error is null;

    public static AdminResult From(IdentityResult result) =>
        result.Succeeded ? Ok : new(string.Join(" ", result.Errors.Select(e => e.Description)));
}

/// <summary>
/// What the Users admin page does: create, edit, disable and delete users, and manage groups.
/// Each call takes its own scope, so a long-lived circuit holds no DbContext. The acting admin
/// cannot lock themselves out, and the last admin cannot be removed.
/// </summary>
public sealed class UserAdminService(IServiceScopeFactory scopeFactory, ILogger<UserAdminService> logger)
{
    public async Task<IReadOnlyList<UserRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var adminIds = await AdminIdsAsync(db, cancellationToken);
        var users = await db.Users.AsNoTracking().Include(u => u.Groups).OrderBy(u => u.Email).ToListAsync(cancellationToken);
        return users
            .Select(u => new UserRow(u.Id, u.Email ?? u.UserName ?? u.Id, adminIds.Contains(u.Id), u.IsDisabled, u.Groups.Select(g => g.Name).Order().ToList()))
            .ToList();
    }

    public async Task<AdminResult> CreateAsync(NewUser request, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var user = new ApplicationUser { UserName = request.Email, Email = request.Email, EmailConfirmed = true };
        user.Groups.AddRange(await db.Groups.Where(g => request.Groups.Contains(g.Name)).ToListAsync(cancellationToken));
        var result = AdminResult.From(await users.CreateAsync(user, request.Password));
        if (!result.Succeeded)
        {
            return result;
        }

        result = AdminResult.From(await users.AddToRolesAsync(user, request.IsAdmin ? Roles.All : [Roles.User]));
        logger.LogInformation("User {Email} created (admin: {IsAdmin})", request.Email, request.IsAdmin);
        return result;
    }

    /// <summary>Sets a user's admin role and group memberships.</summary>
    public async Task<AdminResult> UpdateAsync(string userId, bool isAdmin, IReadOnlyList<string> groups, string actingUserId, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var user = await db.Users.Include(u => u.Groups).SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return new("That user no longer exists.");
        }

        var wasAdmin = await users.IsInRoleAsync(user, Roles.Admin);
        if (wasAdmin && !isAdmin && await RemovingLastOrSelfAsync(db, userId, actingUserId, "take the admin role from", cancellationToken) is { } refused)
        {
            return refused;
        }

        user.Groups.Clear();
        user.Groups.AddRange(await db.Groups.Where(g => groups.Contains(g.Name)).ToListAsync(cancellationToken));
        var result = AdminResult.From(await users.UpdateAsync(user));
        if (result.Succeeded && wasAdmin != isAdmin)
        {
            result = AdminResult.From(isAdmin ? await users.AddToRoleAsync(user, Roles.Admin) : await users.RemoveFromRoleAsync(user, Roles.Admin));
        }

        logger.LogInformation("User {Email} updated by {ActingUserId}: admin {IsAdmin}, groups {Groups}", user.Email, actingUserId, isAdmin, groups);
        return result;
    }

    /// <summary>A disabled user cannot log in, and their open sessions end at the next security-stamp check.</summary>
    public async Task<AdminResult> SetDisabledAsync(string userId, bool disabled, string actingUserId, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new("That user no longer exists.");
        }

        if (disabled && await RemovingLastOrSelfAsync(db, userId, actingUserId, "disable", cancellationToken) is { } refused)
        {
            return refused;
        }

        await users.SetLockoutEnabledAsync(user, true);
        var result = AdminResult.From(await users.SetLockoutEndDateAsync(user, disabled ? DateTimeOffset.MaxValue : null));
        if (result.Succeeded)
        {
            await users.UpdateSecurityStampAsync(user);
            logger.LogInformation("User {Email} {Action} by {ActingUserId}", user.Email, disabled ? "disabled" : "enabled", actingUserId);
        }

        return result;
    }

    public async Task<AdminResult> DeleteAsync(string userId, string actingUserId, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new("That user no longer exists.");
        }

        if (await RemovingLastOrSelfAsync(db, userId, actingUserId, "delete", cancellationToken) is { } refused)
        {
            return refused;
        }

        var result = AdminResult.From(await users.DeleteAsync(user));
        logger.LogInformation("User {Email} deleted by {ActingUserId}", user.Email, actingUserId);
        return result;
    }

    public async Task<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        return await db.Groups.AsNoTracking().OrderBy(g => g.Name).Select(g => g.Name).ToListAsync(cancellationToken);
    }

    public async Task<AdminResult> CreateGroupAsync(string name, CancellationToken cancellationToken)
    {
        name = name.Trim();
        if (name.Length is 0 or > 100 || name == "*")
        {
            return new("A group name is 1 to 100 characters and not '*'.");
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        if (await db.Groups.AnyAsync(g => g.Name == name, cancellationToken))
        {
            return new($"A group named '{name}' already exists.");
        }

        db.Groups.Add(new Group { Name = name });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Group {Group} created", name);
        return AdminResult.Ok;
    }

    public async Task<AdminResult> DeleteGroupAsync(string name, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var deleted = await db.Groups.Where(g => g.Name == name).ExecuteDeleteAsync(cancellationToken);
        logger.LogInformation("Group {Group} deleted", name);
        return deleted == 0 ? new($"There is no group named '{name}'.") : AdminResult.Ok;
    }

    private static async Task<HashSet<string>> AdminIdsAsync(ApplicationDbContext db, CancellationToken cancellationToken) =>
        (await (from userRole in db.UserRoles
                join role in db.Roles on userRole.RoleId equals role.Id
                where role.Name == Roles.Admin
                select userRole.UserId).ToListAsync(cancellationToken)).ToHashSet();

    private static async Task<AdminResult?> RemovingLastOrSelfAsync(ApplicationDbContext db, string userId, string actingUserId, string verb, CancellationToken cancellationToken)
    {
        if (userId == actingUserId)
        {
            return new($"You cannot {verb} yourself.");
        }

        var admins = await AdminIdsAsync(db, cancellationToken);
        return admins.Count == 1 && admins.Contains(userId) ? new($"You cannot {verb} the last admin.") : null;
    }
}
