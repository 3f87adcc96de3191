using System.ComponentModel.DataAnnotations;

namespace Portal.Identity;

/// <summary>The <c>Portal</c> config section.</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>Whether anyone may create an account; off by default, admins create users.</summary>
    public bool AllowRegistration { get; set; }

    [Required]
    public AdminOptions Admin { get; set; } = new();
}

public sealed class AdminOptions
{
    [Required, EmailAddress]
    public string Email { get; set; } = "admin@localhost";

    /// <summary>The first admin's password; when unset a random one is generated and printed once.</summary>
    public string? Password { get; set; }
}
