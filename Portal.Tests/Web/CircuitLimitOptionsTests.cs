using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>The Circuits section: validated at start with messages naming the key, and Blazor's retention taken from it.</summary>
public sealed class CircuitLimitOptionsTests
{
    [Theory]
    [InlineData("Circuits:MaxTotal", "0", "Circuits:MaxTotal must be between 1 and 100000.")]
    [InlineData("Circuits:MaxPerUser", "0", "Circuits:MaxPerUser must be between 1 and 100000.")]
    [InlineData("Circuits:MaxPerUser", "501", "Circuits:MaxPerUser (501) may not exceed Circuits:MaxTotal (500).")]
    [InlineData("Circuits:DisconnectedRetention", "02:00:00", "Circuits:DisconnectedRetention must be between 00:00:00 and 01:00:00.")]
    [InlineData("Circuits:MaxDisconnectedRetained", "-1", "Circuits:MaxDisconnectedRetained must be between 0 and 100000.")]
    public async Task ABadLimitStopsTheStartNamingTheKey(string key, string value, string message)
    {
        await using var portal = new PortalFactory().WithSetting(key, value);

        var error = Assert.IsType<OptionsValidationException>(portal.StartFailure());

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task DisconnectedPagesAreKeptAsConfigured()
    {
        await using var portal = new PortalFactory()
            .WithSetting("Circuits:DisconnectedRetention", "00:00:45")
            .WithSetting("Circuits:MaxDisconnectedRetained", "7");
        portal.CreateClient().Dispose();

        var circuits = portal.Services.GetRequiredService<IOptions<CircuitOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(45), circuits.DisconnectedCircuitRetentionPeriod);
        Assert.Equal(7, circuits.DisconnectedCircuitMaxRetained);
    }
}
