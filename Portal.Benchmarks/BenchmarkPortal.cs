using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Portal.Identity;

namespace Portal.Benchmarks;

/// <summary>
/// The real portal on Kestrel on a loopback port, in this process, with its database and console logs in
/// <c>directory</c> and the given settings over its appsettings.json (the demo lab).
/// </summary>
/// Any type of the portal's assembly names its entry point; Program here would be this benchmark's own.
internal sealed class BenchmarkPortal(string directory, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<AccessTokenService>
{
    public const string AdminEmail = "admin@localhost";
    public const string AdminPassword = "Bench-Admin-Pass-1";

    /// <summary>Starts the server and returns its base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public string StartOnLoopback()
    {
        UseKestrel(0);
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/";
    }

    /// <summary>The first admin, as the services see them.</summary>
    public async Task<Actor> AdminAsync()
    {
        var admin = (await Services.GetRequiredService<UserAdminService>().ListAsync(CancellationToken.None)).Single(u => u.Email == AdminEmail);
        return new Actor(admin.Id, admin.Email, IsAdmin: true);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Portal", $"Data Source={Path.Combine(directory, "portal.db")}");
        builder.UseSetting("Portal:Admin:Password", AdminPassword);
        builder.UseSetting("Consoles:LogDirectory", Path.Combine(directory, "console-logs"));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");

        // The benchmark's clients all come from loopback: the per-client API limit would measure the limiter.
        builder.UseSetting("Portal:RateLimits:ApiRequestsPerMinute", "1000000");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
