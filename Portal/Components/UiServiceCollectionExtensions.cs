using MudBlazor.Services;
using Portal.Components.Circuits;
using Portal.Components.Shared;

namespace Portal.Components;

public static class UiServiceCollectionExtensions
{
    /// <summary>Blazor Server components with their limits (the Circuits section), and MudBlazor.</summary>
    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCircuitLimits();
        services.AddMudServices();
        services.AddScoped<ReservationCommands>();
        return services;
    }
}
