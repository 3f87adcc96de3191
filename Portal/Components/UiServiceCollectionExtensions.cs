using MudBlazor.Services;
using Portal.Components.Shared;

namespace Portal.Components;

public static class UiServiceCollectionExtensions
{
    /// <summary>Blazor Server components and MudBlazor.</summary>
    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddScoped<ReservationCommands>();
        return services;
    }
}
