using System.Security.Claims;
using Portal.Reservations;

namespace Portal.Identity;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The signed-in user as the services see them: id, email, and whether they are an admin.</summary>
    public static Actor ToActor(this ClaimsPrincipal user) =>
        new(
            user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The user is not signed in."),
            user.Identity?.Name ?? "",
            user.IsInRole(Roles.Admin));
}
