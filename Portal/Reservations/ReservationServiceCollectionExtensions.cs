using Portal.Audit;

namespace Portal.Reservations;

public static class ReservationServiceCollectionExtensions
{
    /// <summary>Reservations (queries, lifecycle, queue), their background jobs, the setup script, the audit log and the expiry clock.</summary>
    public static IServiceCollection AddReservations(this IServiceCollection services)
    {
        services.AddOptions<ReservationOptions>().BindConfiguration(ReservationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<SetupScriptRunner>();
        services.AddSingleton<ReservationQueries>();
        services.AddSingleton<LifecycleWrites>();
        services.AddSingleton<ReservationLifecycle>();
        services.AddSingleton<ReservationQueue>();
        services.AddSingleton<LifecycleJobs>();
        services.AddHostedService<LifecycleWorker>();
        services.AddSingleton<ReservationAdminQuery>();
        services.AddHostedService<ReservationClock>();
        return services;
    }
}
