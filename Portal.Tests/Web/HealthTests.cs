using System.Net;
using System.Text.Json;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>/healthz/live and /healthz/ready as a load balancer or an orchestrator asks them.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task LiveAnswersAndReadyNamesWhatIsAwayAsDegradedNotUnhealthy()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"portal-no-engine-{Guid.NewGuid():N}.sock");
        await using var portal = new PortalFactory()
            .WithSetting("Lab:Containers:Endpoint", $"unix://{missing}")
            .WithSetting("Lab:Boards:5:Power:Kernel", "/nonexistent/vmlinuz");
        var client = portal.CreateClient();

        var live = await client.GetAsync("/healthz/live");
        var ready = await client.GetAsync("/healthz/ready");
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var checks = report.RootElement.GetProperty("checks");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", report.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Degraded", checks.GetProperty("container-engine").GetProperty("status").GetString());
        Assert.Equal($"Docker engine at unix://{missing} is not reachable", checks.GetProperty("container-engine").GetProperty("description").GetString());
        var drivers = checks.GetProperty("lab-drivers");
        Assert.Equal("Degraded", drivers.GetProperty("status").GetString());
        Assert.Contains("/nonexistent/vmlinuz", drivers.GetProperty("data").GetProperty("qemu-02").GetString());
    }
}
