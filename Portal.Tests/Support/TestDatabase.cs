using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Tests.Support;

/// <summary>
/// A private in-memory SQLite database with the committed migrations applied; lives until disposed. Each context gets
/// its own connection to it, as with a database file, so background work may use it alongside the test.
/// </summary>
public sealed class TestDatabase : IDbContextFactory<ApplicationDbContext>, IDisposable
{
    private readonly string _connectionString = $"Data Source=portal-test-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
    private readonly SqliteConnection _connection;
    private readonly DbContextOptions<ApplicationDbContext> _options;

    /// <summary>For registering the same database with AddDbContext (Identity's stores want a scoped context); it also keeps the database alive.</summary>
    public SqliteConnection Connection => _connection;

    public TestDatabase()
    {
        _connection = new SqliteConnection(_connectionString);
        _connection.Open();
        _options = new DbContextOptionsBuilder<ApplicationDbContext>().UseSqlite(_connectionString).Options;
        using var db = CreateDbContext();
        db.Database.Migrate();
    }

    public ApplicationDbContext CreateDbContext() => new(_options);

    public void Dispose() => _connection.Dispose();
}
