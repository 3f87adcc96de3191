using System.ComponentModel.DataAnnotations;

namespace Portal.Identity;

/// <summary>The <c>Portal:Security</c> config section: how fast rights follow an admin's change, and how log-in is bounded.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Portal:Security";

    /// <summary>Every password, whoever sets it, has at least this many characters.</summary>
    public const int MinimumPasswordLength = 12;

    /// <summary>
    /// How often a sign-in cookie and an open page (circuit) check the user's security stamp; a role, group, disable or
    /// delete change alters the stamp, so the old sign-in ends within this interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Portal:Security:RevalidationInterval must be between 1 second and 1 hour.")]
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Wrong passwords one client may send for one account before that client must wait.</summary>
    [Range(1, 100, ErrorMessage = "Portal:Security:LockoutThreshold must be between 1 and 100.")]
    public int LockoutThreshold { get; set; } = 5;

    /// <summary>The first wait after <see cref="LockoutThreshold"/> failures; it doubles with every further failure.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Portal:Security:LockoutBase must be between 1 second and 1 hour.")]
    public TimeSpan LockoutBase { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait; a lockout never lasts longer, however many failures.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Portal:Security:LockoutMax must be between 1 second and 1 day.")]
    public TimeSpan LockoutMax { get; set; } = TimeSpan.FromMinutes(15);
}
