using System.ComponentModel.DataAnnotations;

namespace Portal.Web;

/// <summary>The <c>Portal:RateLimits</c> config section: requests one client address may make.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Portal:RateLimits";

    /// <summary>Log-in attempts (form posts) per client address per minute.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Portal:RateLimits:LoginAttemptsPerMinute must be at least 1.")]
    public int LoginAttemptsPerMinute { get; set; } = 10;

    /// <summary>Requests to <c>/api/v1</c> per client address per minute.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Portal:RateLimits:ApiRequestsPerMinute must be at least 1.")]
    public int ApiRequestsPerMinute { get; set; } = 600;
}

/// <summary>The <c>Portal:Proxy</c> config section: reverse proxies whose <c>X-Forwarded-For</c> and <c>-Proto</c> are believed.</summary>
public sealed class ProxyOptions
{
    public const string Section = "Portal:Proxy";

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.2</c>; none by default, so no client can claim another's address.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR form, e.g. <c>10.0.0.0/24</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];
}
