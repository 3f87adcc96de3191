using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Portal.Data;

/// <summary>
/// The portal's model on PostgreSQL. EF Core keeps one migration set per context type, so PostgreSQL's migrations
/// (<c>Data/Migrations/Postgres</c>) belong to this type while SQLite's stay with <see cref="ApplicationDbContext"/>.
/// </summary>
public sealed class PostgresDbContext(DbContextOptions<PostgresDbContext> options) : ApplicationDbContext(options);

/// <summary>
/// For <c>dotnet ef migrations add --context PostgresDbContext</c>, which needs the provider but no server. (Its
/// interface is covariant: without <see cref="SqliteDbContextDesignTimeFactory"/> the tools would take this one for
/// <see cref="ApplicationDbContext"/> too.)
/// </summary>
internal sealed class PostgresDbContextDesignTimeFactory : IDesignTimeDbContextFactory<PostgresDbContext>
{
    public PostgresDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql("Host=localhost;Database=portal").Options);
}

/// <summary>For <c>dotnet ef migrations add --context ApplicationDbContext</c>: SQLite, the default database.</summary>
internal sealed class SqliteDbContextDesignTimeFactory : IDesignTimeDbContextFactory<ApplicationDbContext>
{
    public ApplicationDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ApplicationDbContext>().UseSqlite("Data Source=data/portal.db").Options);
}
