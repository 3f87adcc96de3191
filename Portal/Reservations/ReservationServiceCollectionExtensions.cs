using Portal.Audit;

namespace Portal.Reservations;

public static class ReservationServiceCollectionExtensions
{
    /// <summary>Reservations, the queue, the setup script, the audit log and the expiry clock.</summary>
    public static IServiceCollection AddReservations(this IServiceCollection services)
    {
        services.AddOptions<ReservationOptions>().BindConfiguration(ReservationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<SetupScriptRunner>();
        services.AddSingleton<ReservationService>();
        services.AddSingleton<ReservationAdminQuery>();
        services.AddHostedService<ReservationClock>();
        return services;
    }
}
