using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Data;

namespace Portal.Tests.Support;

/// <summary>
/// A private database with the committed migrations applied; lives until disposed. In-memory SQLite, or with
/// PORTAL_TEST_DATABASE=postgres a database of its own on the run's <see cref="PostgresServer"/>. Each context gets
/// its own connection to it, as with a database file, so background work may use it alongside the test.
/// </summary>
public sealed class TestDatabase : IDbContextFactory<ApplicationDbContext>, IDisposable
{
    private readonly SqliteConnection? _keepAlive;
    private readonly string? _postgresDatabase;
    private readonly Func<ApplicationDbContext> _create;

    public TestDatabase()
    {
        if (PortalDatabase.DefaultProvider == PortalDatabase.Postgres)
        {
            _postgresDatabase = $"portal_test_{Guid.NewGuid():N}";
            var options = new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(PostgresServer.Instance.ConnectionString(_postgresDatabase)).Options;
            _create = () => new PostgresDbContext(options);
        }
        else
        {
            var connectionString = $"Data Source=portal-test-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
            _keepAlive = new SqliteConnection(connectionString);
            _keepAlive.Open();
            var options = new DbContextOptionsBuilder<ApplicationDbContext>().UseSqlite(connectionString).Options;
            _create = () => new ApplicationDbContext(options);
        }

        using var db = CreateDbContext();
        db.Database.Migrate();
    }

    public ApplicationDbContext CreateDbContext() => _create();

    public void Dispose()
    {
        _keepAlive?.Dispose();
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            PostgresServer.Instance.DropAsync(_postgresDatabase).GetAwaiter().GetResult();
        }
    }
}
