using MudBlazor.Services;

namespace Portal.Components;

public static class UiServiceCollectionExtensions
{
    /// <summary>Blazor Server components and MudBlazor.</summary>
    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        return services;
    }
}
