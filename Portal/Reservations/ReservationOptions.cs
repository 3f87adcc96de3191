using System.ComponentModel.DataAnnotations;

namespace Portal.Reservations;

/// <summary>The <c>Lab:Reservations</c> config section.</summary>
public sealed class ReservationOptions
{
    public const string Section = "Lab:Reservations";

    /// <summary>The lease a reservation gets when the request names none.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan DefaultLease { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest a lease may run from now, on grant or after an extension.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan MaxLease { get; set; } = TimeSpan.FromHours(8);

    /// <summary>The longest the clock sleeps between looks for leases that ran out (it wakes at the next expiry anyway).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ExpiryCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many requests one user may have waiting in the queues at once.</summary>
    [Range(1, 1000)]
    public int MaxQueuedPerUser { get; set; } = 10;

    /// <summary>Why a requested lease is refused, or null when it is fine (none asked for means the default).</summary>
    public string? LeaseError(TimeSpan? lease) => lease switch
    {
        { } l when l <= TimeSpan.Zero => "A lease must be longer than zero.",
        { } l when l > MaxLease => $"A lease may be at most {MaxLease:g}.",
        _ => null,
    };
}
