using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Tests.Support;

/// <summary>A private in-memory SQLite database with the committed migrations applied; lives until disposed.</summary>
public sealed class TestDatabase : IDbContextFactory<ApplicationDbContext>, IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly DbContextOptions<ApplicationDbContext> _options;

    /// <summary>For registering the same database with AddDbContext (Identity's stores want a scoped context).</summary>
    public SqliteConnection Connection => _connection;

    public TestDatabase()
    {
        _connection.Open();
        _options = new DbContextOptionsBuilder<ApplicationDbContext>().UseSqlite(_connection).Options;
        using var db = CreateDbContext();
        db.Database.Migrate();
    }

    public ApplicationDbContext CreateDbContext() => new(_options);

    public void Dispose() => _connection.Dispose();
}
