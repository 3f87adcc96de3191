using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Portal.Api;

namespace Portal.Observability;

/// <summary>
/// In front of <c>/metrics</c>: a client from <see cref="MetricsOptions.AllowedNetworks"/>, or a request with an admin's
/// access token, passes; anyone else gets a 403 problem detail saying what would let them in.
/// </summary>
public sealed class MetricsAccess(RequestDelegate next, IOptions<MetricsOptions> options, ActorResolver actors, ILogger<MetricsAccess> logger)
{
    private readonly IReadOnlyList<IPNetwork> _networks = options.Value.AllowedNetworks.Select(IPNetwork.Parse).ToList();

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is { } address && _networks.Any(n => n.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)))
        {
            await next(context);
            return;
        }

        var token = await context.AuthenticateAsync(AccessTokenAuthenticationHandler.SchemeName);
        if (token.Principal?.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value is { } userId
            && await actors.IsAdminAsync(userId, context.RequestAborted))
        {
            await next(context);
            return;
        }

        logger.LogWarning("Metrics refused to {Address}: not in Portal:Metrics:AllowedNetworks and no admin token", context.Connection.RemoteIpAddress);
        await Results.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            detail: "/metrics is open to the networks in Portal:Metrics:AllowedNetworks and to requests with an admin's access token.")
            .ExecuteAsync(context);
    }
}
