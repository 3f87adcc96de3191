using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Portal.Data;

public static class DataServiceCollectionExtensions
{
    private const string DefaultConnectionString = "Data Source=data/portal.db";

    /// <summary>
    /// The portal's database: SQLite in <c>data/</c> beside the app by default (<c>ConnectionStrings:Portal</c> overrides it),
    /// migrations applied at start, and a health check.
    /// </summary>
    public static IHostApplicationBuilder AddPortalData(this IHostApplicationBuilder builder)
    {
        var connectionString = SqliteConnectionString(
            builder.Configuration.GetConnectionString("Portal") ?? DefaultConnectionString,
            builder.Environment.ContentRootPath);

        // A factory, so that long-lived Blazor circuits take a short-lived context per operation, of a pool: a request
        // takes several contexts, and building each anew was a tenth of the API's CPU time. Identity's stores and the
        // data-protection key ring take the scoped context, from the same pool.
        builder.Services.AddPooledDbContextFactory<ApplicationDbContext>(options => options.UseSqlite(connectionString));
        builder.Services.AddScoped(services => services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContext());
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddDataProtection().SetApplicationName("Portal").PersistKeysToDbContext<ApplicationDbContext>();
        builder.Services.AddHealthChecks().AddDbContextCheck<ApplicationDbContext>("database", tags: [Observability.HealthEndpoints.Ready]);
        return builder;
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
}
