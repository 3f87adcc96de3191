namespace Portal.Health;

public static class HealthServiceCollectionExtensions
{
    /// <summary>Board health: checks (when due, running them, their history), maintenance, and offline set by the drivers.</summary>
    public static IServiceCollection AddBoardHealth(this IServiceCollection services)
    {
        services.AddSingleton<BoardReachability>();
        services.AddHostedService(sp => sp.GetRequiredService<BoardReachability>());
        services.AddSingleton<HealthCheckTriggers>();
        services.AddSingleton<HealthCheckRunner>();
        services.AddSingleton<BoardHealthService>();
        services.AddLabEventHandler<BoardChanged, HealthCheckScheduler>(clusterWide: true);
        services.AddLabEventHandler<ReservationChanged, HealthCheckScheduler>(clusterWide: true);
        services.AddHostedService(sp => sp.GetRequiredService<HealthCheckScheduler>());
        return services;
    }
}
