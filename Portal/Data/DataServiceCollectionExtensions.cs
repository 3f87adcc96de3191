using System.Data.Common;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Data;

public static class DataServiceCollectionExtensions
{
    private const string DefaultConnectionString = "Data Source=data/portal.db";

    /// <summary>
    /// The portal's database, chosen by <c>ConnectionStrings:Portal</c>: SQLite in <c>data/</c> beside the app by default
    /// (<c>Data Source=FILE</c>), or PostgreSQL (<c>Host=...</c>); migrations applied at start, and a health check.
    /// </summary>
    public static IHostApplicationBuilder AddPortalData(this IHostApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetConnectionString("Portal") ?? DefaultConnectionString;
        if (ProviderOf(configured) == DatabaseProvider.Postgres)
        {
            AddContext<PostgresDbContext>(builder.Services, options => options.UseNpgsql(configured));
        }
        else
        {
            var connectionString = SqliteConnectionString(configured, builder.Environment.ContentRootPath);
            // SQLite rebuilds a table in a migration behind a "PRAGMA foreign_keys = 0" that EF Core itself adds and then
            // warns about at every new database's first start (dotnet/efcore#35871); it is logged as information instead.
            AddContext<ApplicationDbContext>(builder.Services, options => options
                .UseSqlite(connectionString)
                .ConfigureWarnings(w => w.Log((RelationalEventId.NonTransactionalMigrationOperationWarning, LogLevel.Information))));
        }

        builder.Services.AddSingleton<TimeProvider, DatabaseClock>();
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddDataProtection().SetApplicationName("Portal").PersistKeysToDbContext<ApplicationDbContext>();
        builder.Services.AddHealthChecks().AddDbContextCheck<ApplicationDbContext>("database", tags: [Observability.HealthEndpoints.Ready]);
        return builder;
    }

    /// <summary>Which database a connection string names: PostgreSQL's have a <c>Host</c>, SQLite's a <c>Data Source</c>.</summary>
    internal static DatabaseProvider ProviderOf(string connectionString)
    {
        var keys = new DbConnectionStringBuilder();
        try
        {
            keys.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            throw new InvalidOperationException("ConnectionStrings:Portal is not a connection string (KEY=VALUE pairs separated by semicolons).");
        }

        var postgres = keys.ContainsKey("Host") || keys.ContainsKey("Server");
        var sqlite = keys.ContainsKey("Data Source") || keys.ContainsKey("DataSource") || keys.ContainsKey("Filename");
        return (postgres, sqlite) switch
        {
            (true, false) => DatabaseProvider.Postgres,
            (false, true) => DatabaseProvider.Sqlite,
            _ => throw new InvalidOperationException("ConnectionStrings:Portal must name either a SQLite file (Data Source=FILE) or a PostgreSQL server (Host=HOST;Database=NAME;...), not both or neither."),
        };
    }

    /// <summary>Resolves a relative SQLite file against the content root and creates its folder and the file, for the portal's user only.</summary>
    internal static string SqliteConnectionString(string connectionString, string contentRoot)
    {
        var csb = new SqliteConnectionStringBuilder(connectionString);
        if (csb.DataSource is { Length: > 0 } file && file != ":memory:" && csb.Mode != SqliteOpenMode.Memory)
        {
            csb.DataSource = Path.GetFullPath(file, contentRoot);
            PrivateFiles.CreateFolder(Path.GetDirectoryName(csb.DataSource)!);
            PrivateFiles.CreateFile(csb.DataSource);
        }

        return csb.ToString();
    }

    /// <summary>
    /// A factory, so that long-lived Blazor circuits take a short-lived context per operation, of a pool: a request
    /// takes several contexts, and building each anew was a tenth of the API's CPU time. Identity's stores and the
    /// data-protection key ring take the scoped context, from the same pool. The rest of the portal asks for
    /// <see cref="ApplicationDbContext"/> whichever provider's context type <typeparamref name="TContext"/> is.
    /// </summary>
    private static void AddContext<TContext>(IServiceCollection services, Action<DbContextOptionsBuilder> configure)
        where TContext : ApplicationDbContext
    {
        services.AddPooledDbContextFactory<TContext>(configure);
        if (typeof(TContext) != typeof(ApplicationDbContext))
        {
            services.AddSingleton<IDbContextFactory<ApplicationDbContext>, ProviderContextFactory<TContext>>();
        }

        services.AddScoped(provider => provider.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContext());
    }

    private sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> pool) : IDbContextFactory<ApplicationDbContext>
        where TContext : ApplicationDbContext
    {
        public ApplicationDbContext CreateDbContext() => pool.CreateDbContext();

        public async Task<ApplicationDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await pool.CreateDbContextAsync(cancellationToken);
    }
}

internal enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
