using System.ComponentModel.DataAnnotations;

namespace Portal.Components.Circuits;

/// <summary>
/// The <c>Circuits</c> config section: how many live pages (Blazor Server circuits) the portal serves, in total and
/// per person, and how long a page whose connection dropped is kept for its return. Every interactive page is a
/// circuit and costs about the same memory, a console page or not, so the limits are the circuits', not the consoles'.
/// The most memory circuits can take is (<see cref="MaxTotal"/> + <see cref="MaxDisconnectedRetained"/>) times the
/// cost of one (see the consoles benchmark in the README).
/// </summary>
public sealed class CircuitLimitOptions : IValidatableObject
{
    public const string Section = "Circuits";

    /// <summary>Connected pages the portal serves at once; one more sees a message instead of the page.</summary>
    [Range(1, 100_000, ErrorMessage = "Circuits:MaxTotal must be between 1 and 100000.")]
    public int MaxTotal { get; set; } = 500;

    /// <summary>Connected pages one signed-in person may have open at once (all their tabs and windows).</summary>
    [Range(1, 100_000, ErrorMessage = "Circuits:MaxPerUser must be between 1 and 100000.")]
    public int MaxPerUser { get; set; } = 20;

    /// <summary>How long a page whose connection dropped is kept so that it resumes where it was (Blazor's default is 3 minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Circuits:DisconnectedRetention must be between 00:00:00 and 01:00:00.")]
    public TimeSpan DisconnectedRetention { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>At most this many disconnected pages are kept; beyond it the oldest is dropped (Blazor's default is 100).</summary>
    [Range(0, 100_000, ErrorMessage = "Circuits:MaxDisconnectedRetained must be between 0 and 100000.")]
    public int MaxDisconnectedRetained { get; set; } = 100;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPerUser > MaxTotal)
        {
            yield return new ValidationResult(
                $"Circuits:MaxPerUser ({MaxPerUser}) may not exceed Circuits:MaxTotal ({MaxTotal}).",
                [nameof(MaxPerUser), nameof(MaxTotal)]);
        }
    }
}
