using System.Security.Claims;
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
        return services;
    }

    /// <summary>GET /sandboxes/{id}/logs: the sandbox's output, for its holder and admins; <c>?download=1</c> saves it as a file.</summary>
    public static IEndpointRouteBuilder MapSandboxLogs(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/sandboxes/{id:int}/logs", async (int id, bool? download, ClaimsPrincipal user, SandboxService sandboxes, CancellationToken ct) =>
        {
            if (await sandboxes.LogsAsync(user.ToActor(), id, ct) is not { } logs)
            {
                return Results.NotFound();
            }

            return download == true
                ? Results.File(System.Text.Encoding.UTF8.GetBytes(logs), "text/plain; charset=utf-8", $"sandbox-{id}.log")
                : Results.Text(logs, "text/plain; charset=utf-8");
        }).RequireAuthorization();
        return endpoints;
    }
}
