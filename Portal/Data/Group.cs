namespace Portal.Data;

/// <summary>A named set of users, the subject of access rules between a single user and everyone.</summary>
public sealed class Group
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public List<ApplicationUser> Members { get; set; } = [];
}
