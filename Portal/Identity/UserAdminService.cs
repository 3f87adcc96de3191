using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Audit;
using Portal.Data;
using Portal.Reservations;

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
/// What the Users admin page does: create, edit, disable and delete users, and manage groups. Every change is made
/// only for an acting admin (checked here, in the database, not only by the page), changes the security stamp of
/// every user it touches, so their sign-ins end within <see cref="SecurityOptions.RevalidationInterval"/>, and
/// publishes <see cref="UsersChanged"/>, so open consoles and terminals decide again at once. Disabling or deleting a
/// user first ends all they hold. Each call takes its own scope, so a long-lived circuit holds no DbContext. The
/// acting admin cannot lock themselves out, and the last admin cannot be removed.
/// </summary>
public sealed class UserAdminService(
    IServiceScopeFactory scopeFactory,
    ActorResolver actors,
    ReservationQueries reservations,
    ReservationQueue queue,
    ReservationLifecycle lifecycle,
    AuditLog audit,
    LabEvents events,
    ILogger<UserAdminService> logger)
{
    private static readonly AdminResult NotAdmin = new("Only an admin may manage users and groups.");

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

    public async Task<AdminResult> CreateAsync(Actor actor, NewUser request, CancellationToken cancellationToken)
    {
        if (!await actors.IsAdminAsync(actor.UserId, cancellationToken))
        {
            return NotAdmin;
        }

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
        logger.LogInformation("User {Email} created by {ActingUser} (admin: {IsAdmin})", request.Email, actor.Email, request.IsAdmin);
        await audit.WriteAsync(actor.Email, "user-create", null, null, $"{request.Email}{(request.IsAdmin ? ", admin" : "")}", cancellationToken);
        return result;
    }

    /// <summary>Sets a user's admin role and group memberships.</summary>
    public async Task<AdminResult> UpdateAsync(Actor actor, string userId, bool isAdmin, IReadOnlyList<string> groups, CancellationToken cancellationToken)
    {
        if (!await actors.IsAdminAsync(actor.UserId, cancellationToken))
        {
            return NotAdmin;
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var user = await db.Users.Include(u => u.Groups).SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return new("That user no longer exists.");
        }

        var wasAdmin = await users.IsInRoleAsync(user, Roles.Admin);
        if (wasAdmin && !isAdmin && await RemovingLastOrSelfAsync(db, userId, actor.UserId, "take the admin role from", cancellationToken) is { } refused)
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

        if (result.Succeeded)
        {
            // A new stamp ends the user's existing sign-ins at their next check, with the roles they had in them.
            result = AdminResult.From(await users.UpdateSecurityStampAsync(user));
        }

        logger.LogInformation("User {Email} updated by {ActingUser}: admin {IsAdmin}, groups {Groups}", user.Email, actor.Email, isAdmin, groups);
        await audit.WriteAsync(actor.Email, "user-edit", null, null, $"{user.Email}: {(isAdmin ? "admin" : "user")}, groups [{string.Join(", ", groups)}]", cancellationToken);
        events.Publish(new UsersChanged(userId));
        return result;
    }

    /// <summary>
    /// A disabled user cannot log in; what they hold ends now (reservations with their teardown, queued requests,
    /// sandboxes, consoles and terminals), and their open sessions end at the next security-stamp check.
    /// </summary>
    public async Task<AdminResult> SetDisabledAsync(Actor actor, string userId, bool disabled, CancellationToken cancellationToken)
    {
        if (!await actors.IsAdminAsync(actor.UserId, cancellationToken))
        {
            return NotAdmin;
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new("That user no longer exists.");
        }

        if (disabled && await RemovingLastOrSelfAsync(db, userId, actor.UserId, "disable", cancellationToken) is { } refused)
        {
            return refused;
        }

        await users.SetLockoutEnabledAsync(user, true);
        var result = AdminResult.From(await users.SetLockoutEndDateAsync(user, disabled ? DateTimeOffset.MaxValue : null));
        if (!result.Succeeded)
        {
            return result;
        }

        await users.UpdateSecurityStampAsync(user);
        logger.LogInformation("User {Email} {Action} by {ActingUser}", user.Email, disabled ? "disabled" : "enabled", actor.Email);
        await audit.WriteAsync(actor.Email, disabled ? "user-disable" : "user-enable", null, null, user.Email, cancellationToken);

        // Disabled first, so the user cannot reserve again while what they hold is being ended.
        events.Publish(new UsersChanged(userId));
        if (disabled)
        {
            await EndHoldingsAsync(actor, userId, $"{user.Email} was disabled", cancellationToken);
        }

        return result;
    }

    /// <summary>Ends all the user holds, as a force-release would, then deletes the account; their reservations and the audit log keep their email.</summary>
    public async Task<AdminResult> DeleteAsync(Actor actor, string userId, CancellationToken cancellationToken)
    {
        if (!await actors.IsAdminAsync(actor.UserId, cancellationToken))
        {
            return NotAdmin;
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new("That user no longer exists.");
        }

        if (await RemovingLastOrSelfAsync(db, userId, actor.UserId, "delete", cancellationToken) is { } refused)
        {
            return refused;
        }

        // Locked out first, so nothing new is reserved between ending what they hold and the delete.
        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
        events.Publish(new UsersChanged(userId));
        await EndHoldingsAsync(actor, userId, $"{user.Email} was deleted", cancellationToken);

        await db.Reservations.Where(r => r.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.DeletedUserEmail, user.Email), cancellationToken);
        var result = AdminResult.From(await users.DeleteAsync(user));
        if (result.Succeeded)
        {
            logger.LogInformation("User {Email} deleted by {ActingUser}", user.Email, actor.Email);
            await audit.WriteAsync(actor.Email, "user-delete", null, null, user.Email, cancellationToken);
            events.Publish(new UsersChanged(userId));
        }

        return result;
    }

    public async Task<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        return await db.Groups.AsNoTracking().OrderBy(g => g.Name).Select(g => g.Name).ToListAsync(cancellationToken);
    }

    public async Task<AdminResult> CreateGroupAsync(Actor actor, string name, CancellationToken cancellationToken)
    {
        if (!await actors.IsAdminAsync(actor.UserId, cancellationToken))
        {
            return NotAdmin;
        }

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
        logger.LogInformation("Group {Group} created by {ActingUser}", name, actor.Email);
        await audit.WriteAsync(actor.Email, "group-create", null, null, name, cancellationToken);
        return AdminResult.Ok;
    }

    /// <summary>Deletes a group; its members lose what it granted them at once.</summary>
    public async Task<AdminResult> DeleteGroupAsync(Actor actor, string name, CancellationToken cancellationToken)
    {
        if (!await actors.IsAdminAsync(actor.UserId, cancellationToken))
        {
            return NotAdmin;
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var members = await db.Users.Where(u => u.Groups.Any(g => g.Name == name)).ToListAsync(cancellationToken);
        var deleted = await db.Groups.Where(g => g.Name == name).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            return new($"There is no group named '{name}'.");
        }

        foreach (var member in members)
        {
            await users.UpdateSecurityStampAsync(member);
        }

        logger.LogInformation("Group {Group} deleted by {ActingUser}", name, actor.Email);
        await audit.WriteAsync(actor.Email, "group-delete", null, null, name, cancellationToken);
        events.Publish(new UsersChanged(null));
        return AdminResult.Ok;
    }

    /// <summary>Drops the user's waiting requests and ends their active reservations, each with its audit entry and teardown.</summary>
    private async Task EndHoldingsAsync(Actor actor, string userId, string reason, CancellationToken cancellationToken)
    {
        foreach (var queued in await reservations.QueueAsync(userId, cancellationToken))
        {
            await queue.CancelQueueEntryAsync(actor, queued.Id, cancellationToken);
        }

        foreach (var held in await reservations.ListAsync(new ReservationFilter(UserId: userId, ActiveOnly: true), cancellationToken))
        {
            await lifecycle.EndAsAdminAsync(actor.Email, held.Id, reason, cancellationToken);
        }
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
