using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Identity;
using Portal.Reservations;

namespace Portal.Tests.Support;

/// <summary>
/// The whole portal, as `dotnet run` starts it, on its own temporary database: a SQLite file, or a PostgreSQL database
/// when <see cref="WithDatabase"/> (or PORTAL_TEST_DATABASE) says <c>postgres</c>.
/// </summary>
public sealed class PortalFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@localhost";
    public const string AdminPassword = "Test-Admin-Pass-1";

    private readonly Dictionary<string, string?> _settings = [];
    private readonly List<Action<IServiceCollection>> _services = [];
    private Exception? _startFailure;
    private string _databaseProvider = PortalDatabase.DefaultProvider;
    private PortalDatabase? _database;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("portal-tests-").FullName;

    /// <summary>This portal's database, unless a test sets <c>ConnectionStrings:Portal</c> itself.</summary>
    public PortalDatabase Database => _database ??= PortalDatabase.Create(_databaseProvider, DataDirectory);

    /// <summary>This portal's <c>portal.owner</c> label: its reconciler touches no other test's containers.</summary>
    public string ContainerOwner { get; } = DockerEngine.NewOwner();

    /// <summary>Runs the portal on a new database of this provider (<see cref="PortalDatabase.Sqlite"/> or <see cref="PortalDatabase.Postgres"/>).</summary>
    public PortalFactory WithDatabase(string provider)
    {
        _databaseProvider = provider;
        return this;
    }

    /// <summary>Overrides one config key, as an environment variable or appsettings entry would.</summary>
    public PortalFactory WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>Adds or replaces services after the portal registered its own (a test's extra event handler, say).</summary>
    public PortalFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>Creates a user as an admin would on the Users page; returns them as the services see them.</summary>
    public async Task<Actor> CreateUserAsync(string email, string password)
    {
        var users = Services.GetRequiredService<UserAdminService>();
        var created = await users.CreateAsync(await AdminAsync(), new NewUser(email, password, IsAdmin: false, Groups: []), CancellationToken.None);
        Assert.True(created.Succeeded, created.Error);
        return new Actor((await users.ListAsync(CancellationToken.None)).Single(u => u.Email == email).Id, email, IsAdmin: false);
    }

    /// <summary>The first admin, as the services see them.</summary>
    public async Task<Actor> AdminAsync()
    {
        var users = await Services.GetRequiredService<UserAdminService>().ListAsync(CancellationToken.None);
        return new Actor(users.Single(u => u.Email == AdminEmail).Id, AdminEmail, IsAdmin: true);
    }

    /// <summary>Starts the portal on a free loopback port for a real browser and returns its base address.</summary>
    public string StartOnLoopback()
    {
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/";
    }

    /// <summary>
    /// The exception that stops the portal's start, as the host logged it. What <see cref="WebApplicationFactory{T}.CreateClient()"/>
    /// throws can be another one: when the start fails, the app disposes its host while the factory may still be asking
    /// that host for a service, and the test then gets an ObjectDisposedException (seen under load, dotnet/aspnetcore#33494).
    /// </summary>
    public Exception StartFailure()
    {
        try
        {
            CreateClient().Dispose();
        }
        catch (Exception thrown)
        {
            return _startFailure ?? thrown;
        }

        throw new InvalidOperationException("The portal started.");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.ConfigureLogging(logging => logging.AddProvider(new StartFailureLog(failure => _startFailure ??= failure)));
        if (!_settings.ContainsKey("ConnectionStrings:Portal"))
        {
            builder.UseSetting("ConnectionStrings:Portal", Database.ConnectionString);
        }

        builder.UseSetting("Portal:Admin:Password", AdminPassword);
        builder.UseSetting("Consoles:LogDirectory", Path.Combine(DataDirectory, "console-logs"));
        builder.UseSetting("Lab:Containers:Owner", ContainerOwner);
        builder.UseSetting("Lab:Qemu:StateDirectory", Path.Combine(DataDirectory, "qemu"));
        builder.UseSetting("Artifacts:Directory", Path.Combine(DataDirectory, "artifacts"));

        // Every test client comes from the same address; tests of the limits set their own.
        builder.UseSetting("Portal:RateLimits:LoginAttemptsPerMinute", "10000");
        builder.UseSetting("Portal:RateLimits:ApiRequestsPerMinute", "100000");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        foreach (var configure in _services)
        {
            builder.ConfigureServices(configure);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        // The database and the folder go even when the host's stop threw.
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            // As when a portal's process ends: its pooled connections go (a reset may drop the database next).
            SqliteConnection.ClearAllPools();
            NpgsqlConnection.ClearAllPools();
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }

            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}

/// <summary>Hands on the exception of the host's "failed to start" entry.</summary>
internal sealed class StartFailureLog(Action<Exception> failed) : ILoggerProvider, ILogger
{
    public ILogger CreateLogger(string categoryName) => categoryName == "Microsoft.Extensions.Hosting.Internal.Host" ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Error && exception is not null)
        {
            failed(exception);
        }
    }

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public void Dispose()
    {
    }
}
