using Microsoft.Data.Sqlite;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>The first start on a new database, as a new user sees it in their terminal.</summary>
public sealed class FirstStartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-first-start-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TheFirstStartPrintsTheAdminsPasswordAndNoDatabaseWarning()
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = $"Data Source={Path.Combine(_directory, "portal.db")}",
            ["Consoles:LogDirectory"] = Path.Combine(_directory, "console-logs"),
            ["Artifacts:Directory"] = Path.Combine(_directory, "artifacts"),
            ["Lab:Qemu:StateDirectory"] = Path.Combine(_directory, "qemu"),
            ["Lab:Containers:Owner"] = $"portal-first-{Guid.NewGuid():N}"[..24],
        };

        var portal = await PortalProcess.StartAsync(settings);
        // Stopped first, so that its whole output has been read.
        await portal.DisposeAsync();
        var output = portal.Output;

        Assert.Contains("Password (shown only this once): ", output);
        Assert.Contains("migrations applied", output);
        // EF Core warned of its own SQLite table rebuild in a migration: a warning nobody can act on.
        Assert.DoesNotContain("warn: Microsoft.EntityFrameworkCore", output);
    }
}
