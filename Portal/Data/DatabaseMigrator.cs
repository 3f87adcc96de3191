using Microsoft.EntityFrameworkCore;

namespace Portal.Data;

/// <summary>Applies the committed migrations before the portal serves anything; a failure stops the start.</summary>
internal sealed class DatabaseMigrator(IDbContextFactory<ApplicationDbContext> dbFactory, ILogger<DatabaseMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);

            // Write-ahead logging: readers no longer block a writer's commit, which under many parallel requests
            // otherwise fails some with "database is locked". The mode is kept in the file; SQLite only.
            if (db.Database.IsSqlite())
            {
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
}
