using System.ComponentModel.DataAnnotations;

namespace Portal.Webhooks;

/// <summary>The <c>Webhooks</c> config section: how deliveries are sent and retried.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>How long one attempt may take before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Webhooks:Timeout must be between 00:00:01 and 00:05:00.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait after the first failed attempt; it doubles after each further one.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "Webhooks:RetryBase must be between 00:00:00.100 and 01:00:00.")]
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Webhooks:RetryMax must be between 00:00:01 and 1.00:00:00.")]
    public TimeSpan RetryMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Attempts per delivery before it is marked failed.</summary>
    [Range(1, 50, ErrorMessage = "Webhooks:MaxAttempts must be between 1 and 50.")]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>How often held leases are looked at for <c>lease.ending</c>: the warning comes up to this much later than 10 minutes before the end.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Webhooks:LeaseScanInterval must be between 00:00:00.100 and 00:05:00.")]
    public TimeSpan LeaseScanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries kept in the log; older ones that are no longer pending are removed.</summary>
    [Range(10, 1_000_000, ErrorMessage = "Webhooks:KeepDeliveries must be between 10 and 1000000.")]
    public int KeepDeliveries { get; set; } = 1000;
}
