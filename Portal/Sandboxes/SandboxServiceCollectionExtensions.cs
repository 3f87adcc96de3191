using Microsoft.Extensions.Options;
using Portal.Hardware.Containers;
using Portal.Identity;

namespace Portal.Sandboxes;

public static class SandboxServiceCollectionExtensions
{
    /// <summary>Sandbox containers: the engine from <c>Lab:Containers</c>, launching, teardown and reconciliation, image admin.</summary>
    public static IServiceCollection AddSandboxes(this IServiceCollection services)
    {
        services.AddOptions<SandboxOptions>().BindConfiguration(SandboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IContainerProvider>(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<SandboxOptions>>().Value;
            return new DockerContainerProvider(
                new DockerEngineSettings(settings.Endpoint, settings.ClientCertificate, settings.ClientCertificatePassword),
                sp.GetRequiredService<ILogger<DockerContainerProvider>>());
        });
        services.AddSingleton<SandboxService>();
        services.AddSingleton<SandboxImageService>();
        services.AddSingleton<SandboxFiles>();
        services.AddHostedService<SandboxReconciler>();
        services.AddLabEventHandler<ReservationChanged, SandboxTeardown>();
        services.AddLabEventHandler<SandboxChanged, SandboxKeys>();
        return services;
    }

    /// <summary>GET /sandboxes/{id}/logs: the sandbox's output, for its holder and admins; <c>?download=1</c> saves it as a file.</summary>
    public static IEndpointRouteBuilder MapSandboxLogs(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/sandboxes/{id:int}/logs", async (int id, string? download, Actor actor, SandboxService sandboxes, CancellationToken ct) =>
        {
            if (await sandboxes.LogsAsync(actor, id, ct) is not { } logs)
            {
                return Results.NotFound();
            }

            // A link says ?download=1; any value but an empty one, "0" or "false" saves a file.
            return download is { Length: > 0 } and not "0" and not "false"
                ? Results.File(System.Text.Encoding.UTF8.GetBytes(logs), "text/plain; charset=utf-8", $"sandbox-{id}.log")
                : Results.Text(logs, "text/plain; charset=utf-8");
        }).RequireAuthorization();
        return endpoints;
    }
}
