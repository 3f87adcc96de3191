using Microsoft.AspNetCore.Identity;
using Portal.Data;

namespace Portal.Identity;

public enum LoginResult
{
    SignedIn,

    /// <summary>Wrong email or password: the same answer, after the same work, whether or not the email exists.</summary>
    Failed,

    /// <summary>This client sent too many wrong passwords for this account and must wait.</summary>
    Throttled,

    /// <summary>The password was right but an admin disabled the account.</summary>
    Disabled,
}

/// <summary>Log-in with email and password, throttled per client and account, and equally slow for unknown emails.</summary>
public sealed class PasswordLogin(
    UserManager<ApplicationUser> users,
    SignInManager<ApplicationUser> signIn,
    IPasswordHasher<ApplicationUser> hasher,
    LoginThrottle throttle,
    ILogger<PasswordLogin> logger)
{
    // Checked against when the email is unknown, so that answer costs one password hash too.
    private static readonly Lazy<string> UnknownUserHash = new(() => new PasswordHasher<ApplicationUser>().HashPassword(new ApplicationUser(), Guid.NewGuid().ToString()));

    public async Task<(LoginResult Result, TimeSpan? RetryAfter)> SignInAsync(string client, string email, string password, bool remember)
    {
        if (throttle.RetryAfter(client, email) is { } wait)
        {
            logger.LogWarning("Log-in for {Email} from {Client} refused: too many wrong passwords, retry in {RetryAfter}", email, client, wait);
            return (LoginResult.Throttled, wait);
        }

        var user = await users.FindByEmailAsync(email);
        var passwordMatches = user is null
            ? hasher.VerifyHashedPassword(new ApplicationUser(), UnknownUserHash.Value, password) is not PasswordVerificationResult.Failed
            : await users.CheckPasswordAsync(user, password);
        if (user is null || !passwordMatches)
        {
            throttle.Failed(client, email);
            logger.LogInformation("Failed log-in for {Email} from {Client}", email, client);
            return (LoginResult.Failed, null);
        }

        throttle.Succeeded(client, email);
        if (user.IsDisabled || !await signIn.CanSignInAsync(user))
        {
            logger.LogWarning("Log-in for disabled user {Email} refused", email);
            return (LoginResult.Disabled, null);
        }

        await signIn.SignInAsync(user, remember);
        logger.LogInformation("User {Email} logged in from {Client}", email, client);
        return (LoginResult.SignedIn, null);
    }
}
