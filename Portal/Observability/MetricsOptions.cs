namespace Portal.Observability;

/// <summary>The <c>Portal:Metrics</c> config section.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Portal:Metrics";

    /// <summary>
    /// Networks (CIDR) whose clients may scrape <c>/metrics</c> without a token, e.g. a Prometheus host; anyone else
    /// needs an admin's access token. Loopback by default.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = ["127.0.0.0/8", "::1/128"];
}
