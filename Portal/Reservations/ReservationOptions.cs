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

    /// <summary>How often the clock looks for leases that ran out.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ExpiryCheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}
