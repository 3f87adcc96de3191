using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Portal.Hardware;
using Portal.Hardware.Containers;
using Portal.Lab;

namespace Portal.Observability;

/// <summary>The container engine: away is <em>degraded</em> (sandboxes cannot launch; the rest of the lab works).</summary>
public sealed class ContainerEngineHealthCheck(IContainerProvider engine) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(TimeSpan.FromSeconds(3));
            await engine.PingAsync(bound.Token);
            return HealthCheckResult.Healthy($"Docker engine at {engine.Endpoint} answers");
        }
        catch (Exception ex) when (ex is ContainerEngineException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"Docker engine at {engine.Endpoint} is not reachable");
        }
    }
}

/// <summary>The lab's drivers: boards whose power, console or deploy cannot work here are <em>degraded</em>, each named with why.</summary>
public sealed class LabDriversHealthCheck(IOptionsMonitor<LabOptions> lab, DriverFactory drivers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var away = lab.CurrentValue.Boards
            .Select(board => (board.Name, Reason: LabDriverSpecs.Unavailable(drivers, board)))
            .Where(b => b.Reason is not null)
            .ToDictionary(b => b.Name ?? "", b => (object)b.Reason!);
        return Task.FromResult(away.Count == 0
            ? HealthCheckResult.Healthy($"The drivers of all {lab.CurrentValue.Boards.Count} boards are available")
            : HealthCheckResult.Degraded($"{away.Count} of {lab.CurrentValue.Boards.Count} boards cannot be driven here", data: away));
    }
}

public static class HealthEndpoints
{
    public const string Ready = "ready";

    /// <summary>
    /// /healthz/live: the process answers (no checks). /healthz/ready: the database (unhealthy when unreachable), the
    /// container engine and the lab's drivers (degraded when away), as JSON. /healthz: everything, as plain text.
    /// </summary>
    public static IEndpointRouteBuilder MapPortalHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz");
        endpoints.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/healthz/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = WriteJsonAsync,
        });
        return endpoints;
    }

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data.Count == 0 ? null : e.Value.Data,
            }),
        }, JsonSerializerOptions.Web));
    }
}
