using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;

namespace Portal.Data;

/// <summary>Applies the committed migrations before the portal serves anything; a failure stops the start.</summary>
internal sealed class DatabaseMigrator(IDbContextFactory<ApplicationDbContext> dbFactory, ILogger<DatabaseMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (db.Database.IsNpgsql())
            {
                await PrepareNewPostgresDatabaseAsync(db, cancellationToken);
            }

            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            if (db.Database.IsSqlite())
            {
                // Write-ahead logging: readers and the one writer no longer wait for each other. The file keeps the mode.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
            logger.LogInformation("Database ready ({Provider}); {Count} migrations applied", db.Database.ProviderName, pending.Count);
        }
        catch (Exception ex)
        {
            logger.LogCritical(ex, "Applying database migrations failed");
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Npgsql's EF Core provider finds out that a database or its migrations history table is missing by connections
    // and queries that fail, and EF Core logs each failure as an error (npgsql/efcore.pg#3407): a new database started
    // with "fail:" lines although nothing had failed. Both are made here first, by calls that log nothing, when missing.
    private static async Task PrepareNewPostgresDatabaseAsync(ApplicationDbContext db, CancellationToken cancellationToken)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(cancellationToken))
        {
            await creator.CreateAsync(cancellationToken);
        }

        await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);
    }
}
