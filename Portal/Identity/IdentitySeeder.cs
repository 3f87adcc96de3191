using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Data;

namespace Portal.Identity;

/// <summary>Creates the roles and, when there is no admin yet, the first admin, whose password is printed once.</summary>
internal sealed class IdentitySeeder(IServiceScopeFactory scopeFactory, IOptions<PortalOptions> options, ILogger<IdentitySeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();

        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
            }
        }

        if ((await users.GetUsersInRoleAsync(Roles.Admin)).Count > 0)
        {
            return;
        }

        var admin = options.Value.Admin;
        var password = admin.Password ?? PasswordGenerator.Generate();
        var user = new ApplicationUser { UserName = admin.Email, Email = admin.Email, EmailConfirmed = true };
        Check(await users.CreateAsync(user, password), $"create the first admin {admin.Email}");
        Check(await users.AddToRolesAsync(user, Roles.All), $"make {admin.Email} an admin");
        logger.LogInformation("Created the first admin {Email}", admin.Email);

        if (admin.Password is null)
        {
            // Straight to the console, never through logging: the password must not end up in log files.
            Console.WriteLine($"""

                ==================================================================
                  First admin created: {admin.Email}
                  Password (shown only this once): {password}
                ==================================================================

                """);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
