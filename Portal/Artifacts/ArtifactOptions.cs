using System.ComponentModel.DataAnnotations;

namespace Portal.Artifacts;

/// <summary>The <c>Artifacts</c> config section.</summary>
public sealed class ArtifactOptions
{
    public const string Section = "Artifacts";

    /// <summary>Where the stored files live, one per SHA-256; relative to the app's folder.</summary>
    [Required]
    public string Directory { get; set; } = "data/artifacts";

    /// <summary>How much each user may store (each distinct content counted once).</summary>
    [Range(1, 1024 * 1024)]
    public long QuotaMegabytes { get; set; } = 4096;

    /// <summary>An artifact neither uploaded nor deployed for this many days is removed.</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>How often retention looks for artifacts to remove.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);
}
