using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Identity;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

public sealed class StartupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-restart-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task SecondStartKeepsUsersAndTheFirstAdminsPassword()
    {
        var database = $"Data Source={Path.Combine(_directory, "portal.db")}";
        await using (var first = new PortalFactory().WithSetting("ConnectionStrings:Portal", database))
        {
            var created = await first.Services.GetRequiredService<UserAdminService>()
                .CreateAsync(await first.AdminAsync(), new NewUser("kept@lab.test", "Kept-Pass-123", IsAdmin: false, Groups: []), CancellationToken.None);
            Assert.True(created.Succeeded, created.Error);
        }

        // A different configured password must not replace the admin created on the first start.
        await using var second = new PortalFactory()
            .WithSetting("ConnectionStrings:Portal", database)
            .WithSetting("Portal:Admin:Password", "Another-Pass-9");

        await second.LoggedInClientAsync("kept@lab.test", "Kept-Pass-123");
        await second.LoggedInClientAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);
    }

    [Fact]
    public async Task TheFirstStartPrintsTheAdminsPasswordAndNoDatabaseWarning()
    {
        var portal = await PortalProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = $"Data Source={Path.Combine(_directory, "portal.db")}",
            ["Consoles:LogDirectory"] = Path.Combine(_directory, "console-logs"),
            ["Artifacts:Directory"] = Path.Combine(_directory, "artifacts"),
            ["Lab:Qemu:StateDirectory"] = Path.Combine(_directory, "qemu"),
            ["Lab:Containers:Owner"] = $"portal-first-{Guid.NewGuid():N}"[..24],
        });
        // Stopped first, so that its whole output has been read.
        await portal.DisposeAsync();

        Assert.Contains("Password (shown only this once): ", portal.Output);
        Assert.Contains("migrations applied", portal.Output);
        // EF Core warned of its own SQLite table rebuild in a migration: a warning nobody can act on.
        Assert.DoesNotContain("warn: Microsoft.EntityFrameworkCore", portal.Output);
    }

    [Fact]
    public async Task BadLabConfigStopsTheStartNamingKeyAndReason()
    {
        await using var portal = new PortalFactory()
            .WithSetting("Lab:Boards:1:Class", "no-such-class")
            .WithSetting("Lab:Boards:2:Power:Driver", "telepathy");

        var error = Assert.IsType<OptionsValidationException>(portal.StartFailure());

        Assert.Contains("Lab:Boards:1:Class: unknown class 'no-such-class'; defined classes: pine64-a64-lts, qemu-x86_64, rpi4", error.Message);
        Assert.Contains("Lab:Boards:2:Power:Driver: unknown power driver 'telepathy'; known: command, qemu, simulated, snmp", error.Message);
    }

    [Fact]
    public async Task UnsafeSandboxSettingsStopTheStartNamingTheKey()
    {
        await using var portal = new PortalFactory()
            .WithSetting("Lab:Containers:User", "0:0")
            .WithSetting("Lab:Containers:CapAdd:0", "ALL")
            .WithSetting("Lab:Containers:CapAdd:1", "net raw");

        var error = Assert.IsType<OptionsValidationException>(portal.StartFailure());

        Assert.Contains("Lab:Containers:User '0:0' must be a non-root user: uid:gid (e.g. 1000:1000) or a user name of the image", error.Message);
        Assert.Contains("Lab:Containers:CapAdd may not be ALL; list the capabilities sandboxes need (e.g. NET_RAW)", error.Message);
        Assert.Contains("Lab:Containers:CapAdd: 'net raw' is not a capability name (e.g. NET_RAW)", error.Message);
    }

    [Theory]
    [InlineData("Lab:Containers:PidsLimit", "0", "Lab:Containers:PidsLimit must be between 16 and 65536")]
    [InlineData("Lab:Containers:User", "root", "Lab:Containers:User 'root' must be a non-root user")]
    [InlineData("Lab:Containers:User", "000", "Lab:Containers:User '000' must be a non-root user")]
    [InlineData("Lab:Containers:User", "1000:1000;rm", "Lab:Containers:User '1000:1000;rm' must be a non-root user")]
    public void SandboxSettingsAreCheckedAsTheStartChecksThem(string key, string value, string message)
    {
        // The same binding and checks as AddSandboxes' ValidateOnStart, without starting a whole portal for each value.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        var options = configuration.GetSection(Portal.Sandboxes.SandboxOptions.Section).Get<Portal.Sandboxes.SandboxOptions>()!;

        var result = new DataAnnotationValidateOptions<Portal.Sandboxes.SandboxOptions>(null).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage);
    }

    [Fact]
    public void TheDefaultSandboxSettingsPass()
    {
        Assert.True(new DataAnnotationValidateOptions<Portal.Sandboxes.SandboxOptions>(null).Validate(null, new Portal.Sandboxes.SandboxOptions()).Succeeded);
    }
}
