using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Events;

public static class LabEventsServiceCollectionExtensions
{
    /// <summary>The lab's event notifier, the background runner of its domain reactions and the pacing of page reloads.</summary>
    public static IServiceCollection AddLabEvents(this IServiceCollection services)
    {
        services.TryAddSingleton<LabEventHandlers>();
        services.TryAddSingleton<LabEvents>();
        services.TryAddSingleton<PageReloads>();
        services.AddHostedService(sp => sp.GetRequiredService<LabEventHandlers>());
        return services;
    }

    /// <summary>
    /// Runs <typeparamref name="THandler"/> (a singleton) in the background after every committed <typeparamref name="TEvent"/>:
    /// those published here, and with <paramref name="clusterWide"/> those of the other instances too.
    /// </summary>
    public static IServiceCollection AddLabEventHandler<TEvent, THandler>(this IServiceCollection services, bool clusterWide = false)
        where TEvent : LabEvent
        where THandler : class, ILabEventHandler<TEvent>
    {
        services.TryAddSingleton<THandler>();
        services.AddSingleton(new LabEventHandlerRegistration(
            typeof(TEvent),
            typeof(THandler).Name,
            (provider, labEvent, cancellationToken) => provider.GetRequiredService<THandler>().HandleAsync((TEvent)labEvent, cancellationToken),
            (provider, labEvent) => ((ILabEventHandler<TEvent>)provider.GetRequiredService<THandler>()).Takes((TEvent)labEvent),
            clusterWide));
        return services;
    }
}
