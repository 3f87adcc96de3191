namespace Portal.Data;

/// <summary>An image an admin assigned to a board class for sandboxes; one per class is the default.</summary>
public sealed class ClassImage
{
    public int Id { get; set; }

    public int BoardClassId { get; set; }

    public BoardClass BoardClass { get; set; } = null!;

    public required string Image { get; set; }

    public string Shell { get; set; } = "/bin/sh";

    public bool IsDefault { get; set; }
}
