using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;

namespace Portal.Components.Circuits;

public static class CircuitLimitServiceCollectionExtensions
{
    /// <summary>The limits of the <c>Circuits</c> section: pages in total and per person, and Blazor's retention of disconnected circuits.</summary>
    public static IServiceCollection AddCircuitLimits(this IServiceCollection services)
    {
        services.AddOptions<CircuitLimitOptions>().BindConfiguration(CircuitLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CircuitOptions>().Configure<IOptions<CircuitLimitOptions>>((circuits, limits) =>
        {
            circuits.DisconnectedCircuitRetentionPeriod = limits.Value.DisconnectedRetention;
            circuits.DisconnectedCircuitMaxRetained = limits.Value.MaxDisconnectedRetained;
        });
        services.AddSingleton<CircuitLimits>();
        services.AddScoped<CircuitAdmission>();
        services.AddScoped<CircuitHandler>(sp => sp.GetRequiredService<CircuitAdmission>());
        return services;
    }
}
