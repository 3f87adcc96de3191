using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Portal.Web;

/// <summary>What every request goes through: the client's address behind a trusted proxy, rate limits, security headers.</summary>
public static class WebSecurityExtensions
{
    private const string NonceKey = "csp-nonce";

    public static IServiceCollection AddWebSecurity(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section)
            .Validate(p => p.KnownProxies.All(a => IPAddress.TryParse(a, out _)), "Portal:Proxy:KnownProxies: every entry must be an IP address, e.g. 10.0.0.2.")
            .Validate(p => p.KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _)), "Portal:Proxy:KnownNetworks: every entry must be a network in CIDR form, e.g. 10.0.0.0/24.")
            .ValidateOnStart();

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((forwarded, proxies) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;

            // ASP.NET Core trusts loopback by default; only the configured proxies are trusted here.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in proxies.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in proxies.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptionsMonitor<RateLimitOptions>>((limiter, limits) =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var client = ClientAddress(context);
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    return PerMinute($"api {client}", limits.CurrentValue.ApiRequestsPerMinute);
                }

                return HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals("/Account/Login", StringComparison.OrdinalIgnoreCase)
                    ? PerMinute($"login {client}", limits.CurrentValue.LoginAttemptsPerMinute)
                    : RateLimitPartition.GetNoLimiter("");
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
                var http = rejected.HttpContext;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebSecurityExtensions))
                    .LogWarning("Rate limit: {Method} {Path} from {Client} refused for {Seconds} s", http.Request.Method, http.Request.Path, ClientAddress(http), seconds);
                await Results.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests",
                    detail: $"Too many requests from your address; try again in {seconds} seconds.")
                    .ExecuteAsync(http);
            };
        });
        return services;
    }

    /// <summary>The client's address (the proxy's client when a configured proxy forwarded it), and the headers every answer carries.</summary>
    public static WebApplication UseWebSecurity(this WebApplication app)
    {
        // With no known proxy at all the middleware would believe every sender, so then it is not used.
        var proxies = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;
        if (proxies.KnownProxies.Count > 0 || proxies.KnownNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/api") ? ApiPolicy : PagePolicy(context);
            await next(context);
        });
        app.UseRateLimiter();
        return app;
    }

    // The API answers data, never a document to run: nothing may load from it, and it needs no nonce (nor the random
    // bytes of one on every call).
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    // Scripts only from the portal itself (and the import map Blazor writes inline, by nonce); MudBlazor and xterm.js
    // set inline styles, so styles may be inline. The circuit's WebSocket is same-origin ('self'). The API reference at
    // /scalar starts itself with an inline script and shows no user data.
    private static string PagePolicy(HttpContext context)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        var scripts = context.Request.Path.StartsWithSegments("/scalar") ? "'self' 'unsafe-inline'" : $"'self' 'nonce-{nonce}'";
        return $"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
    }

    /// <summary>The nonce this response's Content-Security-Policy allows inline scripts with.</summary>
    public static string? CspNonce(this HttpContext context) => context.Items[NonceKey] as string;

    private static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static RateLimitPartition<string> PerMinute(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
}
