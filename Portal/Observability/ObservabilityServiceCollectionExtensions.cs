using System.Net;
using OpenTelemetry.Metrics;

namespace Portal.Observability;

public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>The Portal meter, its event handlers, OpenTelemetry metrics exported for Prometheus, and the readiness checks.</summary>
    public static IServiceCollection AddPortalMetrics(this IServiceCollection services)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section)
            .Validate(o => o.AllowedNetworks.All(n => IPNetwork.TryParse(n, out _)), "Portal:Metrics:AllowedNetworks must be networks in CIDR notation, e.g. 10.0.0.0/24.")
            .ValidateOnStart();
        services.AddSingleton<PortalMetrics>();
        services.AddHealthChecks()
            .AddCheck<ContainerEngineHealthCheck>("container-engine", tags: [HealthEndpoints.Ready])
            .AddCheck<LabDriversHealthCheck>("lab-drivers", tags: [HealthEndpoints.Ready]);
        services.AddLabEventHandler<ReservationChanged, ReservationMetrics>();
        services.AddLabEventHandler<SandboxChanged, SandboxMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddMeter(PortalMetrics.MeterName, "Microsoft.AspNetCore.Components.Server.Circuits", "Microsoft.AspNetCore.Components", "Microsoft.AspNetCore.Http.Connections")
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>GET /metrics in Prometheus' text format, behind <see cref="MetricsAccess"/>.</summary>
    public static IApplicationBuilder UsePortalMetrics(this IApplicationBuilder app) =>
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: null,
            path: "/metrics",
            configureBranchedPipeline: branch => branch.UseMiddleware<MetricsAccess>(),
            optionsName: null);
}
