using Npgsql;
using Portal.Data;
using Portal.Events;

namespace Portal.Cluster;

public static class ClusterServiceCollectionExtensions
{
    /// <summary>
    /// Several portal instances on one database. On PostgreSQL any number of instances may share it: lab events cross
    /// between them by LISTEN/NOTIFY, each singleton job is led by one of them (advisory locks), and a board's console
    /// is read by one and followed by the others. On SQLite the portal is alone, and leads everything.
    /// </summary>
    public static IHostApplicationBuilder AddCluster(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Portal");
        if (connectionString is null || DataServiceCollectionExtensions.ProviderOf(connectionString) != DatabaseProvider.Postgres)
        {
            builder.Services.AddSingleton<ILeadership, SoleLeadership>();
            return builder;
        }

        var services = builder.Services;
        services.AddSingleton<ClusterInstance>();
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString)
        {
            // A dead server or network is noticed within seconds, not at the next TCP timeout.
            ConnectionStringBuilder = { KeepAlive = 5, ApplicationName = "portal-cluster" },
        }.Build());
        services.AddSingleton<ClusterNotifications>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterNotifications>());
        services.AddSingleton<ClusterLocks>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterLocks>());
        services.AddSingleton<ILeadership, ElectedLeadership>();
        services.AddSingleton<ClusterEventRelay>();
        services.AddSingleton<ILabEventRelay>(sp => sp.GetRequiredService<ClusterEventRelay>());
        services.AddHostedService<ClusterEventReceiver>();
        services.AddSingleton<ClusterConsoles>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterConsoles>());
        return builder;
    }
}
