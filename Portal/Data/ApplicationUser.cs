using Microsoft.AspNetCore.Identity;

namespace Portal.Data;

public sealed class ApplicationUser : IdentityUser
{
    public List<Group> Groups { get; set; } = [];
}
