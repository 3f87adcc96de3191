using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>
/// Log-in and API limits per client address, on a real socket behind a configured proxy (loopback here), which says
/// who the client is in X-Forwarded-For.
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private const string Password = "Limited-Pass-1";

    private readonly PortalFactory _portal = new PortalFactory()
        .WithSetting("Portal:Proxy:KnownProxies:0", "127.0.0.1")
        .WithSetting("Portal:RateLimits:LoginAttemptsPerMinute", "10")
        .WithSetting("Portal:RateLimits:ApiRequestsPerMinute", "5");

    private string _address = "";

    public async Task InitializeAsync()
    {
        _address = _portal.StartOnLoopback();
        await _portal.CreateUserAsync("target@lab.test", Password);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task TwentyWrongPasswordsFromOneClientGet429AndTheOwnerStillLogsInFromAnother()
    {
        using var attacker = Client("203.0.113.5");
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 20; i++)
        {
            answers.Add(await attacker.PostAsync("Account/Login", await HttpLogin.LoginFormAsync(attacker, "target@lab.test", $"Guess-number-{i}")));
        }

        // Five wrong passwords make this client wait for this account; then the rate limit answers.
        var pages = await Task.WhenAll(answers.Take(10).Select(a => a.Content.ReadAsStringAsync()));
        Assert.All(pages.Take(5), page => Assert.Contains("Wrong email or password.", page));
        Assert.All(pages.Skip(5), page => Assert.Contains("Too many wrong passwords for this account from your address", page));
        var limited = answers.Skip(10).ToList();
        Assert.All(limited, a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
        Assert.InRange(int.Parse(limited[0].Headers.GetValues("Retry-After").Single()), 1, 60);
        Assert.StartsWith("Too many requests from your address; try again in", (await limited[0].Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);

        using var owner = Client("198.51.100.7");
        var login = await owner.PostAsync("Account/Login", await HttpLogin.LoginFormAsync(owner, "target@lab.test", Password));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(new Uri(_address), new Uri(new Uri(_address), login.Headers.Location!));
    }

    [Fact]
    public async Task TheApiAnswers429WithRetryAfterBeyondTheLimitOfOneClient()
    {
        var secret = await _portal.CreateTokenAsync("script@lab.test");
        using var busy = Client("203.0.113.9");
        using var quiet = Client("203.0.113.10");
        busy.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        quiet.DefaultRequestHeaders.Authorization = new("Bearer", secret);

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            codes.Add((await busy.GetAsync("api/v1/boards")).StatusCode);
        }

        var refused = await busy.GetAsync("api/v1/boards");
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), HttpStatusCode.TooManyRequests], codes);
        Assert.True(refused.Headers.Contains("Retry-After"));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await quiet.GetAsync("api/v1/boards")).StatusCode);
    }

    [Fact]
    public async Task CookiesAreSecureWhenTheProxySaysTheRequestWasHttps()
    {
        using var client = Client("198.51.100.20");
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        var login = await client.PostAsync("Account/Login", await HttpLogin.LoginFormAsync(client, "target@lab.test", Password));

        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A client behind the proxy at loopback, with its own cookies, as the proxy would forward it.</summary>
    private HttpClient Client(string forwardedFor)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(_address) };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        return client;
    }
}

/// <summary>Without configured proxies, X-Forwarded-For is not believed: a client cannot escape its limit by naming another address.</summary>
public sealed class UntrustedProxyTests : IAsyncLifetime
{
    private readonly PortalFactory _portal = new PortalFactory().WithSetting("Portal:RateLimits:ApiRequestsPerMinute", "2");
    private string _address = "";

    public Task InitializeAsync()
    {
        _address = _portal.StartOnLoopback();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task ForwardedForFromAnUnconfiguredProxyIsIgnored()
    {
        var secret = await _portal.CreateTokenAsync("sneaky@lab.test");
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var client = new HttpClient { BaseAddress = new Uri(_address) };
            client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
            client.DefaultRequestHeaders.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            codes.Add((await client.GetAsync("api/v1/boards")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], codes);
    }
}
