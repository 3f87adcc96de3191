using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Portal.Api;

/// <summary>
/// Authenticates <c>Authorization: Bearer ptl_...</c> as the token's owner, with the owner's roles and groups, read with
/// the token in one query and kept until the account changes (which also gives the request's <see cref="Actor"/>); a
/// disabled owner is refused.
/// </summary>
public sealed class AccessTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AccessTokenService tokens)
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

        var owner = await tokens.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (owner is null || owner.IsDisabled)
        {
            return AuthenticateResult.Fail("The access token is unknown, revoked or expired, or its owner is disabled.");
        }

        // The claims Identity would give the owner that the API reads: id, name (the email) and roles.
        var identity = new ClaimsIdentity(SchemeName);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, owner.UserId));
        identity.AddClaim(new Claim(ClaimTypes.Name, owner.UserName));
        identity.AddClaims(owner.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        // The roles and groups came with the token (as they are now: a change to them empties the tokens kept): the
        // request's actor and its access decisions need no second read.
        Actor.ReadDuringAuthentication(Context, new Actor(owner.UserId, owner.UserName, owner.Roles.Contains(Roles.Admin)) { GroupIds = owner.GroupIds });
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
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
