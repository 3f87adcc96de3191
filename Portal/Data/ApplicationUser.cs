using Microsoft.AspNetCore.Identity;

namespace Portal.Data;

public sealed class ApplicationUser : IdentityUser
{
    public List<Group> Groups { get; set; } = [];

    /// <summary>Disabled by an admin: locked out for good (a failed-password lockout is temporary and is not this).</summary>
    public bool IsDisabled => LockoutEnd == DateTimeOffset.MaxValue;
}
