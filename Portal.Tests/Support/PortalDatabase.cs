using Microsoft.Data.Sqlite;
using Xunit.Sdk;

namespace Portal.Tests.Support;

/// <summary>
/// One test's database for a whole portal, on either provider the portal supports: a SQLite file in the test's folder,
/// or a database of its own on the run's <see cref="PostgresServer"/>, which the portal's migrations create. Gone
/// when disposed.
/// </summary>
public sealed class PortalDatabase : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    private readonly string? _postgresDatabase;

    private PortalDatabase(string provider, string connectionString, string? postgresDatabase)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _postgresDatabase = postgresDatabase;
    }

    /// <summary>
    /// The provider of tests that do not choose one: SQLite, or PostgreSQL when PORTAL_TEST_DATABASE=postgres (so the
    /// whole suite can run on either).
    /// </summary>
    public static string DefaultProvider =>
        Environment.GetEnvironmentVariable("PORTAL_TEST_DATABASE") is { Length: > 0 } chosen ? chosen.ToLowerInvariant() : Sqlite;

    public string Provider { get; }

    /// <summary>The value for <c>ConnectionStrings:Portal</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>A new database of <paramref name="provider"/>; a SQLite file goes into <paramref name="folder"/>.</summary>
    public static PortalDatabase Create(string provider, string folder) => provider switch
    {
        Sqlite => new PortalDatabase(provider, $"Data Source={Path.Combine(folder, "portal.db")}", null),
        Postgres => CreatePostgres(),
        _ => throw new ArgumentException($"Unknown test database provider '{provider}' (PORTAL_TEST_DATABASE is {Sqlite} or {Postgres}).", nameof(provider)),
    };

    /// <summary>Lets go of pooled connections, so that the file can be removed or the database dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_postgresDatabase is null)
        {
            SqliteConnection.ClearAllPools();
        }
        else
        {
            await PostgresServer.Instance.DropAsync(_postgresDatabase);
        }
    }

    private static PortalDatabase CreatePostgres()
    {
        var name = $"portal_test_{Guid.NewGuid():N}";
        return new PortalDatabase(Postgres, PostgresServer.Instance.ConnectionString(name), name);
    }
}

/// <summary>A test on a real PostgreSQL, which skips (unless integration is required) where none is installed.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = PostgresDataAttribute.SkipReason;
}

/// <summary>Cases of a test on a real PostgreSQL, which skip (unless integration is required) where none is installed.</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute() => Skip = PostgresDataAttribute.SkipReason;
}

/// <summary>
/// Runs a theory taking the provider name once on each database: <c>[Theory, InlineData(PortalDatabase.Sqlite), PostgresData]</c>.
/// The PostgreSQL case skips (unless integration is required) where PostgreSQL is not installed.
/// </summary>
public sealed class PostgresDataAttribute : DataAttribute
{
    public PostgresDataAttribute() => Skip = SkipReason;

    internal static string? SkipReason => IntegrationRequirement.SkipReasonUnless(PostgresServer.Available, "PostgreSQL (Debian package postgresql)");

    public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) => [[PortalDatabase.Postgres]];
}
