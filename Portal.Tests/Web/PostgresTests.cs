using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Npgsql;
using Portal.Data;
using Portal.Identity;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>The portal on PostgreSQL (<c>ConnectionStrings:Portal</c> = <c>Host=...</c>), against a real server.</summary>
public sealed class PostgresTests
{
    [PostgresFact]
    public async Task AFirstStartOnAnEmptyServerCreatesTheDatabaseAppliesTheMigrationsLoadsTheDemoLabAndMakesTheFirstAdmin()
    {
        await using var portal = new PortalFactory().WithDatabase(PortalDatabase.Postgres);

        var admin = await portal.TokenClientAsync(PortalFactory.AdminEmail);
        var boards = await admin.GetFromJsonAsync<List<ApiBoard>>("api/v1/boards");
        await portal.LoggedInClientAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        Assert.Contains(boards!, b => b.Name == "rpi-01");
        Assert.Contains(boards!, b => b.Name == "qemu-01");
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        Assert.Equal("Npgsql.EntityFrameworkCore.PostgreSQL", db.Database.ProviderName);
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.True(await PostgresServer.Instance.ExistsAsync(db.Database.GetDbConnection().Database!));
    }

    [PostgresTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFirstStartPrintsNoErrorWhetherThePortalCreatesTheDatabaseOrFindsItEmpty(bool createdByTheAdmin)
    {
        var folder = Directory.CreateTempSubdirectory("portal-first-postgres-").FullName;
        await using var database = PortalDatabase.Create(PortalDatabase.Postgres, folder);
        try
        {
            if (createdByTheAdmin)
            {
                // As the README's `createdb --owner portal portal` leaves it.
                await using var server = new NpgsqlConnection(PostgresServer.Instance.ConnectionString("postgres"));
                await server.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{new NpgsqlConnectionStringBuilder(database.ConnectionString).Database}\"", server);
                await create.ExecuteNonQueryAsync();
            }

            var portal = await PortalProcess.StartAsync(new Dictionary<string, string>
            {
                ["ConnectionStrings:Portal"] = database.ConnectionString,
                ["Consoles:LogDirectory"] = Path.Combine(folder, "console-logs"),
                ["Artifacts:Directory"] = Path.Combine(folder, "artifacts"),
                ["Lab:Qemu:StateDirectory"] = Path.Combine(folder, "qemu"),
                ["Lab:Containers:Owner"] = DockerEngine.NewOwner(),
            });
            // Stopped first, so that its whole output has been read.
            await portal.DisposeAsync();

            Assert.Contains("Password (shown only this once): ", portal.Output);
            Assert.Contains("migrations applied", portal.Output);
            // Npgsql's provider used to find the missing database and history table by failures that EF Core logged as errors.
            Assert.DoesNotContain("fail:", portal.Output);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [PostgresFact]
    public async Task ResetDropsThePostgresDatabaseSaysSoAndTheNextStartBeginsAgain()
    {
        var folder = Directory.CreateTempSubdirectory("portal-reset-postgres-").FullName;
        await using var database = PortalDatabase.Create(PortalDatabase.Postgres, folder);
        var name = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = database.ConnectionString,
            ["Consoles:LogDirectory"] = Path.Combine(folder, "console-logs"),
            ["Artifacts:Directory"] = Path.Combine(folder, "artifacts"),
            ["Lab:Qemu:StateDirectory"] = Path.Combine(folder, "qemu"),
            ["Lab:Containers:Owner"] = DockerEngine.NewOwner(),
        };
        try
        {
            await using (var first = Portal(settings))
            {
                await first.CreateUserAsync("gone@lab.test", "Gone-Pass-1234");
            }

            Assert.True(await PostgresServer.Instance.ExistsAsync(name));
            var reset = await ResetTests.ResetAsync(settings, ["--yes"], "");

            Assert.True(reset.ExitCode == 0, reset.Output);
            Assert.Contains($"This removes, for good: the PostgreSQL database {name} on ", reset.Output);
            Assert.Contains($"Removed the PostgreSQL database {name} on ", reset.Output);
            Assert.False(await PostgresServer.Instance.ExistsAsync(name));
            await using var next = Portal(settings);
            var users = await next.Services.GetRequiredService<UserAdminService>().ListAsync(CancellationToken.None);
            Assert.Equal([PortalFactory.AdminEmail], users.Select(u => u.Email));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(PortalDatabase.Sqlite)]
    [PostgresData]
    public async Task ASecondActiveReservationOfABoardIsRefusedByTheDatabaseAsAUniqueViolation(string database)
    {
        // What turns away a grant that raced past the checks (another instance's): the unique index, told apart from other failures.
        await using var portal = new PortalFactory().WithDatabase(database);
        var dbFactory = portal.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>();
        await using var db = await dbFactory.CreateDbContextAsync();
        var board = await db.Boards.SingleAsync(b => b.Name == "rpi-01");
        var now = DateTime.UtcNow;
        db.Reservations.Add(new Reservation { BoardId = board.Id, ActiveBoardId = board.Id, UserId = null, HealthCheck = true, State = ReservationState.Active, GrantedAt = now, ExpiresAt = now.AddHours(1) });
        await db.SaveChangesAsync();
        await using var racer = await dbFactory.CreateDbContextAsync();
        racer.Reservations.Add(new Reservation { BoardId = board.Id, ActiveBoardId = board.Id, UserId = null, HealthCheck = true, State = ReservationState.Active, GrantedAt = now, ExpiresAt = now.AddHours(1) });

        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => racer.SaveChangesAsync());

        Assert.True(refused.IsUniqueViolation(), refused.InnerException?.Message);
        Assert.Single(await racer.Reservations.Where(r => r.ActiveBoardId == board.Id).ToListAsync());
    }

    [Theory]
    [InlineData(PortalDatabase.Sqlite)]
    [InlineData(PortalDatabase.Postgres)]
    public void EachProvidersMigrationsMatchTheModel(string provider)
    {
        // A model change needs a migration for each provider (README, "PostgreSQL"); the tools need no server for this.
        using ApplicationDbContext db = provider == PortalDatabase.Sqlite
            ? new ApplicationDbContext(new DbContextOptionsBuilder<ApplicationDbContext>().UseSqlite("Data Source=:memory:").Options)
            : new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql("Host=localhost;Database=portal").Options);

        Assert.False(db.Database.HasPendingModelChanges(), $"The model has changed since the last {provider} migration: add one with the {provider} command of the README's \"PostgreSQL\" section.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Theory]
    [InlineData("Data Source=data/portal.db", "Sqlite")]
    [InlineData("Host=db.lab;Database=portal;Username=portal;Password=x", "Postgres")]
    [InlineData("Server=db.lab;Database=portal", "Postgres")]
    public void TheConnectionStringChoosesTheProvider(string connectionString, string expected) =>
        Assert.Equal(expected, DataServiceCollectionExtensions.ProviderOf(connectionString).ToString());

    [Theory]
    [InlineData("Database=portal;Username=portal")]
    [InlineData("Host=db.lab;Data Source=portal.db")]
    public void AConnectionStringOfNeitherProviderStopsTheStartNamingTheKey(string connectionString)
    {
        var error = Assert.Throws<InvalidOperationException>(() => DataServiceCollectionExtensions.ProviderOf(connectionString));

        Assert.StartsWith("ConnectionStrings:Portal must name either a SQLite file (Data Source=FILE) or a PostgreSQL server (Host=HOST;Database=NAME;...)", error.Message);
    }

    private static PortalFactory Portal(IReadOnlyDictionary<string, string> settings)
    {
        var portal = new PortalFactory();
        foreach (var (key, value) in settings)
        {
            portal.WithSetting(key, value);
        }

        return portal;
    }
}
