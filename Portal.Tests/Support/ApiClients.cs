using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Portal.Identity;

namespace Portal.Tests.Support;

public static class ApiClients
{
    /// <summary>Creates a user (unless it is the admin) and an HTTP client that sends a fresh token of theirs.</summary>
    public static async Task<HttpClient> TokenClientAsync(this PortalFactory portal, string email, DateTime? expiresAt = null)
    {
        var secret = await portal.CreateTokenAsync(email, expiresAt);
        var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>Makes an existing user an admin, or no longer one, as an admin would on the Users page.</summary>
    public static async Task SetAdminAsync(this PortalFactory portal, string email, bool isAdmin)
    {
        var users = portal.Services.GetRequiredService<UserAdminService>();
        var user = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == email);
        var changed = await users.UpdateAsync(await portal.AdminAsync(), user.Id, isAdmin, user.Groups, CancellationToken.None);
        Assert.True(changed.Succeeded, changed.Error);
    }

    public static async Task<string> CreateTokenAsync(this PortalFactory portal, string email, DateTime? expiresAt = null)
    {
        var users = portal.Services.GetRequiredService<UserAdminService>();
        if (email != PortalFactory.AdminEmail && (await users.ListAsync(CancellationToken.None)).All(u => u.Email != email))
        {
            var created = await users.CreateAsync(await portal.AdminAsync(), new NewUser(email, "Api-User-Pass-1", IsAdmin: false, Groups: []), CancellationToken.None);
            Assert.True(created.Succeeded, created.Error);
        }

        var userId = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == email).Id;
        var token = await portal.Services.GetRequiredService<AccessTokenService>().CreateAsync(userId, "test", expiresAt, CancellationToken.None);
        return token.Secret;
    }
}
