using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Data;

namespace Portal.Api;

/// <summary>Authenticates <c>Authorization: Bearer ptl_...</c> as the token's owner, with the owner's roles; a disabled owner is refused.</summary>
public sealed class AccessTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AccessTokenService tokens,
    UserManager<ApplicationUser> users,
    IUserClaimsPrincipalFactory<ApplicationUser> principals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "AccessToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var userId = await tokens.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        var user = userId is null ? null : await users.FindByIdAsync(userId);
        if (user is null || user.IsDisabled)
        {
            return AuthenticateResult.Fail("The access token is unknown, revoked or expired, or its owner is disabled.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(await principals.CreateAsync(user), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: "Send a valid personal access token as 'Authorization: Bearer <token>'; create one on the Tokens page.")
            .ExecuteAsync(Context);
    }
}
