using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Portal.Api;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>
/// OpenTelemetry finds meters by name across the process, and the first "Portal" meter registered wins: these tests run
/// alone, after the parallel ones, so that the only portal in the process is theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneInTheProcess
{
    public const string Name = "alone in the process";
}

/// <summary>/metrics: who may scrape it, what it says about reservations, and a real Prometheus scraping it.</summary>
[Collection(AloneInTheProcess.Name)]
public sealed class MetricsTests
{
    [Fact]
    public async Task OnlyAllowedNetworksAndAdminsTokensScrapeAndTheCountersFollowReservations()
    {
        // The test server's requests come from no address: outside every allowed network.
        await using var portal = new PortalFactory();
        var anonymous = await portal.CreateClient().GetAsync("/metrics");
        var user = await (await portal.TokenClientAsync("metrics-user@lab.test")).GetAsync("/metrics");
        var admin = await portal.TokenClientAsync(PortalFactory.AdminEmail);
        var holder = await portal.TokenClientAsync("metrics-holder@lab.test");

        var waiter = await portal.TokenClientAsync("metrics-waiter@lab.test");

        // Both boards of the class held, a request waits, one is released: the waiter is granted from the queue.
        var reserved = await holder.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest("pine-01", null, null, null));
        var id = (await reserved.Content.ReadFromJsonAsync<ApiReservation>())!.Id;
        Assert.Equal(HttpStatusCode.Created, (await holder.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest("pine-02", null, null, null))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await waiter.PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "pine64-a64-lts", null, null, Wait: true))).StatusCode);
        Assert.Contains("portal_queue_length{otel_scope_name=\"Portal\"}", await (await admin.GetAsync("/metrics")).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await holder.DeleteAsync($"/api/v1/reservations/{id}")).StatusCode);
        var text = await ScrapeUntilAsync(admin, "portal_queue_wait_seconds_count{");

        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        Assert.Equal(
            "/metrics is open to the networks in Portal:Metrics:AllowedNetworks and to requests with an admin's access token.",
            (await anonymous.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal(HttpStatusCode.Forbidden, user.StatusCode);
        Assert.True(Sample(text, "portal_reservations_granted_total{otel_scope_name=\"Portal\",via=\"request\"}") >= 1, text);
        Assert.True(Sample(text, "portal_reservations_ended_total{otel_scope_name=\"Portal\",state=\"released\"}") >= 1, text);
        Assert.True(Sample(text, "portal_reservations_granted_total{otel_scope_name=\"Portal\",via=\"queue\"}") >= 1, text);
        Assert.True(Sample(text, "portal_queue_wait_seconds_count{otel_scope_name=\"Portal\"}") >= 1, text);
        Assert.Contains("http_server_request_duration_seconds_bucket{", text);
    }

    [Fact]
    public async Task HealthCheckResultsAreCountedByBoardAndOutcome()
    {
        // The demo's simulated pine-01 boots when cycled, but never prints what this check waits for.
        await using var portal = new PortalFactory()
            .WithSetting("Lab:Boards:0:HealthCheck:Steps:0:Power", "cycle")
            .WithSetting("Lab:Boards:0:HealthCheck:Steps:1:Expect", "kernel: all good")
            .WithSetting("Lab:Boards:0:HealthCheck:Steps:1:Timeout", "00:00:01");
        var admin = await portal.TokenClientAsync(PortalFactory.AdminEmail);

        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/v1/admin/boards/pine-01/health-check", null)).StatusCode);
        var text = await ScrapeUntilAsync(admin, "portal_health_checks_total{");

        Assert.Equal(1, Sample(text, "portal_health_checks_total{otel_scope_name=\"Portal\",board=\"pine-01\",outcome=\"failed\"}"));
    }

    [PrometheusFact]
    public async Task ARealPrometheusScrapesThePortalFromLoopback()
    {
        await using var portal = new PortalFactory();
        var url = new Uri(portal.StartOnLoopback());
        var holder = await portal.CreateTokenAsync("scraped@lab.test");
        using var api = new HttpClient { BaseAddress = url };
        api.DefaultRequestHeaders.Authorization = new("Bearer", holder);
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("api/v1/reservations", new ReserveRequest("pine-02", null, null, null))).StatusCode);

        var directory = Directory.CreateTempSubdirectory("portal-prometheus-").FullName;
        var port = LoopbackPorts.FreeTcp();
        await File.WriteAllTextAsync(Path.Combine(directory, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: portal
                static_configs:
                  - targets: ["{url.Authority}"]
            """);
        using var prometheus = Process.Start(new ProcessStartInfo(PrometheusFactAttribute.Binary,
        [
            $"--config.file={Path.Combine(directory, "prometheus.yml")}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        ])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var log = prometheus.StandardError.ReadToEndAsync();
        try
        {
            using var query = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var value = await PollAsync(async () =>
            {
                using var answer = JsonDocument.Parse(await query.GetStringAsync("api/v1/query?query=portal_reservations_granted_total"));
                var results = answer.RootElement.GetProperty("data").GetProperty("result");
                return results.GetArrayLength() > 0 ? results[0].GetProperty("value")[1].GetString() : null;
            });

            Assert.True(double.Parse(value!, System.Globalization.CultureInfo.InvariantCulture) >= 1, value);
        }
        finally
        {
            prometheus.Kill();
            await prometheus.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
            _ = await log;
        }
    }

    private static double Sample(string exposition, string series) =>
        exposition.Split('\n').Where(line => line.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(line => double.Parse(line[(series.Length + 1)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0)
            .Single();

    private static async Task<string> ScrapeUntilAsync(HttpClient client, string expected)
    {
        var text = "";
        for (var attempt = 0; attempt < 100 && !text.Contains(expected, StringComparison.Ordinal); attempt++)
        {
            var response = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
            await Task.Delay(100);
        }

        return text;
    }

    /// <summary>Asks until an answer comes (Prometheus starts, then scrapes every second), for at most 60 s.</summary>
    private static async Task<string?> PollAsync(Func<Task<string?>> ask)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if (await ask() is { } value)
                {
                    return value;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(500);
        }

        return null;
    }
}

/// <summary>A test that needs Debian's <c>prometheus</c>; skipped without it unless integration is required.</summary>
public sealed class PrometheusFactAttribute : FactAttribute
{
    public const string Binary = "/usr/bin/prometheus";

    public PrometheusFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(File.Exists(Binary), Binary);
}
