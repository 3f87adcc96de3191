using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Artifacts;
using Portal.Consoles;
using Portal.Data;
using Portal.Hardware.Containers;
using Portal.Hardware.Qemu;
using Portal.Sandboxes;

namespace Portal.Maintenance;

/// <summary>
/// <c>Portal reset [--yes]</c> (Mothership's <c>--clean</c>): after a confirmation, removes the database, the console
/// recordings, the artifacts, the QEMU boards' state and this portal's sandbox containers, and says what it removed.
/// The next start begins as the first did: migrations, a new first admin, the lab from the config.
/// </summary>
public static class PortalReset
{
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> arguments, TextReader input, TextWriter output)
    {
        var ownerFilter = services.GetRequiredService<SandboxService>().OwnerFilter;
        var engine = services.GetRequiredService<IContainerProvider>();
        var dbFactory = services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>();
        bool postgres;
        string database;
        string[] files;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            // SQLite's database is a file (with its write-ahead log); PostgreSQL's is dropped on its server.
            var connection = db.Database.GetDbConnection();
            postgres = db.Database.IsNpgsql();
            database = postgres ? $"the PostgreSQL database {connection.Database} on {connection.DataSource}" : $"the database {connection.DataSource}";
            files = postgres ? [] : [connection.DataSource, $"{connection.DataSource}-wal", $"{connection.DataSource}-shm"];
        }

        var environment = services.GetRequiredService<IHostEnvironment>();
        var qemu = services.GetRequiredService<IOptions<QemuLabOptions>>().Value;
        string[] folders =
        [
            Path.GetFullPath(services.GetRequiredService<IOptions<ConsoleOptions>>().Value.LogDirectory, environment.ContentRootPath),
            services.GetRequiredService<ArtifactStore>().Root,
            Path.GetFullPath(qemu.StateDirectory, qemu.BaseDirectory),
        ];

        await output.WriteLineAsync($"This removes, for good: {database}, the folders {string.Join(", ", folders)}, and every container labelled {ownerFilter}. Stop the portal first.");
        if (!arguments.Contains("--yes"))
        {
            await output.WriteAsync("Type yes to go on: ");
            if ((await input.ReadLineAsync())?.Trim() != "yes")
            {
                await output.WriteLineAsync("Nothing was removed.");
                return 1;
            }
        }

        try
        {
            var containers = await engine.ListLabelledAsync(ownerFilter, CancellationToken.None);
            foreach (var container in containers)
            {
                await engine.RemoveAsync(container.Id, TimeSpan.Zero, CancellationToken.None);
                await output.WriteLineAsync($"Removed container {container.Name}.");
            }
        }
        catch (ContainerEngineException ex)
        {
            await output.WriteLineAsync($"Containers left alone: {ex.Message}.");
        }

        if (postgres)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            if (await db.Database.EnsureDeletedAsync())
            {
                await output.WriteLineAsync($"Removed {database}.");
            }
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in files.Where(File.Exists))
        {
            File.Delete(file);
            await output.WriteLineAsync($"Removed {file}.");
        }

        foreach (var folder in folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
            await output.WriteLineAsync($"Removed {folder}.");
        }

        await output.WriteLineAsync("Reset done: the next start creates a new database and a new first admin.");
        return 0;
    }
}
