using System.Net;
using System.Net.Http.Json;
using System.Text;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Api;
using Portal.Audit;
using Portal.Consoles;
using Portal.Data;
using Portal.Identity;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>Rights follow an admin's changes, users go without losing history, and bad input is answered, over HTTP.</summary>
public sealed class SecurityTests : IAsyncLifetime
{
    private const string Password = "Security-Pass-1";

    // A short revalidation interval, as an operator may set it (the default is a minute), yet long enough for a loaded
    // machine to check what happens before it.
    private readonly PortalFactory _portal = new PortalFactory().WithSetting("Portal:Security:RevalidationInterval", "00:00:05");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task ADemotedAdminLosesAdminAtOnceForDecisionsAndTheirCookieWithinTheInterval()
    {
        var users = _portal.Services.GetRequiredService<UserAdminService>();
        var admin = await _portal.AdminAsync();
        Assert.True((await users.CreateAsync(admin, new NewUser("boss@lab.test", Password, IsAdmin: true, Groups: []), CancellationToken.None)).Succeeded);
        var other = await _portal.CreateUserAsync("other@lab.test", Password);
        var reservation = (await _portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(other, "pine-01", null, CancellationToken.None)).Reservation!;
        var boss = await _portal.LoggedInClientAsync("boss@lab.test", Password);
        Assert.Equal(HttpStatusCode.OK, (await boss.GetAsync("/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await boss.GetAsync($"/reservations/{reservation.Id}/console.log")).StatusCode);

        var bossId = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == "boss@lab.test").Id;
        Assert.True((await users.UpdateAsync(admin, bossId, isAdmin: false, [], CancellationToken.None)).Succeeded);

        // Admin rights are read from the database: other users' console logs are closed at once.
        Assert.Equal(HttpStatusCode.NotFound, (await boss.GetAsync($"/reservations/{reservation.Id}/console.log")).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(6));
        var adminPage = await boss.GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Redirect, adminPage.StatusCode);
        Assert.Contains("/Account/Login", adminPage.Headers.Location!.ToString());
    }

    [Fact]
    public async Task AdminServicesRefuseSomeoneWhoIsNoAdminWhateverTheyClaim()
    {
        var user = await _portal.CreateUserAsync("claims@lab.test", Password);
        var pretender = user with { IsAdmin = true };
        var users = _portal.Services.GetRequiredService<UserAdminService>();

        var created = await users.CreateAsync(pretender, new NewUser("mine@lab.test", Password, IsAdmin: true, Groups: []), CancellationToken.None);
        var rule = await _portal.Services.GetRequiredService<Portal.Access.AccessRuleService>().DeleteAsync(pretender, 1, CancellationToken.None);

        Assert.Equal("Only an admin may manage users and groups.", created.Error);
        Assert.Equal("Only an admin may change access rules.", rule.Error);
    }

    [Fact]
    public async Task DisablingAUserEndsTheirReservationWithTeardownDropsTheirQueueAndClosesTheirSessions()
    {
        var scriptLog = Path.Combine(_portal.DataDirectory, "script.log");
        var script = Path.Combine(_portal.DataDirectory, "setup.sh");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\necho \"$1 $2 $PORTAL_USER\" >> {scriptLog}\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _portal.WithSetting("Lab:SetupScript", script);
        var reservations = _portal.Services.GetRequiredService<ReservationLifecycle>();
        var queries = _portal.Services.GetRequiredService<ReservationQueries>();
        var queue = _portal.Services.GetRequiredService<ReservationQueue>();
        var leaving = await _portal.CreateUserAsync("leaving@lab.test", Password);
        var holder = await _portal.CreateUserAsync("holder@lab.test", Password);
        var held = (await reservations.ReserveBoardAsync(leaving, "rpi-01", null, CancellationToken.None)).Reservation!;
        await reservations.ReserveBoardAsync(holder, "rpi-02", null, CancellationToken.None);
        var queued = (await queue.ReserveClassAsync(leaving, "rpi4", new Dictionary<string, string>(), null, waitInQueue: true, CancellationToken.None)).Queued!;
        var token = await _portal.TokenClientAsync("leaving@lab.test");
        var cookie = await _portal.LoggedInClientAsync("leaving@lab.test", Password);
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync("/api/v1/boards")).StatusCode);

        var admin = await _portal.AdminAsync();
        Assert.True((await _portal.Services.GetRequiredService<UserAdminService>().SetDisabledAsync(admin, leaving.UserId, true, CancellationToken.None)).Succeeded);

        // Disabling returns once the reservation is releasing; its teardown runs in the background.
        var ended = await queries.GetAsync(held.Id, CancellationToken.None);
        for (var waited = 0; ended!.State == ReservationState.Releasing && waited < 200; waited++)
        {
            await Task.Delay(100);
            ended = await queries.GetAsync(held.Id, CancellationToken.None);
        }

        Assert.Equal(ReservationState.Released, ended.State);
        Assert.Equal(PortalFactory.AdminEmail, ended.EndedBy);
        Assert.Contains("release rpi-01 leaving@lab.test", await File.ReadAllTextAsync(scriptLog));
        Assert.Equal(QueueEntryState.Cancelled, (await queries.GetQueueEntryAsync(queued.Id, CancellationToken.None))!.State);
        var audit = await _portal.Services.GetRequiredService<AuditLog>().ListAsync(null, 10, CancellationToken.None);
        Assert.Contains(audit, a => a.Action == "force-release" && a.ReservationId == held.Id);
        Assert.Contains(audit, a => a.Action == "user-disable" && a.Details == "leaving@lab.test");
        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync("/api/v1/boards")).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Equal(HttpStatusCode.Redirect, (await cookie.GetAsync("/boards")).StatusCode);
    }

    [Fact]
    public async Task DeletingAUserWhoHoldsABoardReleasesItFirstAndKeepsTheHistoryWithTheirEmail()
    {
        var reservations = _portal.Services.GetRequiredService<ReservationLifecycle>();
        var queries = _portal.Services.GetRequiredService<ReservationQueries>();
        var queue = _portal.Services.GetRequiredService<ReservationQueue>();
        var gone = await _portal.CreateUserAsync("gone@lab.test", Password);
        var next = await _portal.CreateUserAsync("next@lab.test", Password);
        var held = (await reservations.ReserveBoardAsync(gone, "rpi-02", null, CancellationToken.None)).Reservation!;

        var deleted = await _portal.Services.GetRequiredService<UserAdminService>().DeleteAsync(await _portal.AdminAsync(), gone.UserId, CancellationToken.None);
        Assert.True(deleted.Succeeded, deleted.Error);

        var kept = await queries.GetAsync(held.Id, CancellationToken.None);
        Assert.Equal((ReservationState.Released, "gone@lab.test"), (kept!.State, kept.UserEmail));
        var audit = await _portal.Services.GetRequiredService<AuditLog>().ListAsync("rpi-02", 10, CancellationToken.None);
        Assert.Contains(audit, a => a.Action == "reserve" && a.Actor == "gone@lab.test");
        Assert.Contains(audit, a => a.Action == "force-release" && a.ReservationId == held.Id);

        // The board is free for the next holder, whose console is not written into the deleted user's log.
        var after = (await reservations.ReserveBoardAsync(next, "rpi-02", null, CancellationToken.None)).Reservation!;
        await using (var watcher = _portal.Services.GetRequiredService<ConsoleBroker>().Watch("rpi-02", _ => Task.CompletedTask)!)
        {
            await watcher.WriteAsync("echo for-the-next-holder\r"u8.ToArray(), CancellationToken.None);
            var log = _portal.Services.GetRequiredService<ConsoleRecorder>().LogPath(after.Id);
            await PtyPair.WaitUntilAsync(() => File.Exists(log) && SharedFile.ReadAllText(log).Contains("for-the-next-holder", StringComparison.Ordinal), "the next holder's echo");
        }

        var oldLog = _portal.Services.GetRequiredService<ConsoleRecorder>().LogPath(held.Id);
        Assert.False(File.Exists(oldLog) && SharedFile.ReadAllText(oldLog).Contains("for-the-next-holder", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PasswordsShorterThanTwelveCharactersAreRefusedAndTheRuleIsOnTheForm()
    {
        var created = await _portal.Services.GetRequiredService<UserAdminService>()
            .CreateAsync(await _portal.AdminAsync(), new NewUser("short@lab.test", "Short-Pw-1", IsAdmin: false, Groups: []), CancellationToken.None);
        await _portal.CreateUserAsync("changer@lab.test", Password);
        var client = await _portal.LoggedInClientAsync("changer@lab.test", Password);
        var page = await new HtmlParser().ParseDocumentAsync(await client.GetStringAsync("/Account/Manage/ChangePassword"));

        Assert.Equal("Passwords must be at least 12 characters.", created.Error);
        Assert.Equal("At least 12 characters.", page.QuerySelector("#password-rule")?.TextContent);
        Assert.Equal("12", page.QuerySelector("input[autocomplete=new-password]")?.GetAttribute("minlength"));
    }

    [Fact]
    public async Task AForeignReturnUrlLogsInAndGoesHome()
    {
        await _portal.CreateUserAsync("returning@lab.test", Password);
        var client = _portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var form = await HttpLogin.LoginFormAsync(client, "returning@lab.test", Password);

        var response = await client.PostAsync("/Account/Login?ReturnUrl=%2F%2Fevil.example%2F", form);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(new Uri(client.BaseAddress!, "/"), new Uri(client.BaseAddress!, response.Headers.Location!));
    }

    [Fact]
    public async Task UnknownEmailsGetTheSameAnswerAfterTheSameWork()
    {
        await _portal.CreateUserAsync("known@lab.test", Password);
        var client = _portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        async Task<(string Message, TimeSpan Took)> TryAsync(string email)
        {
            var form = await HttpLogin.LoginFormAsync(client, email, "Wrong-Password-9");
            var started = TimeProvider.System.GetTimestamp();
            var response = await client.PostAsync("/Account/Login", form);
            var took = TimeProvider.System.GetElapsedTime(started);
            var page = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
            return (page.QuerySelector("[role=alert]")?.TextContent.Trim() ?? "", took);
        }

        var known = new List<(string Message, TimeSpan Took)>();
        var unknown = new List<(string Message, TimeSpan Took)>();
        for (var i = 0; i < 4; i++)
        {
            known.Add(await TryAsync("known@lab.test"));
            unknown.Add(await TryAsync($"nobody{i}@lab.test"));
        }

        Assert.All(known.Concat(unknown), attempt => Assert.Contains("Wrong email or password.", attempt.Message));

        // A password hash takes tens of milliseconds; a lookup that skipped it would take a fraction of that.
        var knownMedian = known.Select(a => a.Took).Order().ElementAt(2);
        var unknownMedian = unknown.Select(a => a.Took).Order().ElementAt(2);
        Assert.True(unknownMedian > knownMedian / 3, $"unknown emails answered in {unknownMedian.TotalMilliseconds} ms, known ones in {knownMedian.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task SomeoneElsesReservationIsNotFoundOnEveryVerb()
    {
        var owner = await _portal.CreateUserAsync("owner@lab.test", Password);
        var held = (await _portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(owner, "pine-02", null, CancellationToken.None)).Reservation!;
        var stranger = await _portal.TokenClientAsync("stranger@lab.test");

        var get = await stranger.GetAsync($"/api/v1/reservations/{held.Id}");
        var extend = await stranger.PostAsJsonAsync($"/api/v1/reservations/{held.Id}/extend", new { minutes = 10 });
        var release = await stranger.DeleteAsync($"/api/v1/reservations/{held.Id}");

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound], [get.StatusCode, extend.StatusCode, release.StatusCode]);
        Assert.Equal($"There is no reservation {held.Id}.", (await release.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
    }

    [Theory]
    [InlineData("""{"board": "pine-01", "leaseMinutes": 1e12}""", "leaseMinutes may be at most 480")]
    [InlineData("""{"board": "pine-01", "leaseMinutes": "NaN"}""", "The field 'leaseMinutes' has a value of the wrong type")]
    [InlineData("""{"board": "pine-01", "leaseMinutes": Infinity}""", "The field 'leaseMinutes' has a value of the wrong type")]
    [InlineData("""{"board": "pine-01", "leaseMinutes": -5}""", "leaseMinutes must be greater than zero.")]
    [InlineData("""{"board": "pine-01",""", "The request body is not valid JSON")]
    public async Task BadRequestBodiesGetA400ProblemDetailNamingTheField(string body, string detail)
    {
        var api = await _portal.TokenClientAsync("sloppy@lab.test");

        var response = await api.PostAsync("/api/v1/reservations", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(detail, (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
    }

    [Fact]
    public async Task ApiErrorsAreProblemDetailsNeverTheHtmlPages()
    {
        var api = await _portal.TokenClientAsync("lost@lab.test");

        var unknownRoute = await api.GetAsync("/api/v1/no-such-thing");
        var huge = await api.PostAsync("/api/v1/reservations", new StringContent($"{{\"class\": \"rpi4\", \"tags\": {{\"x\": \"{new string('a', 100_000)}\"}}}}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, unknownRoute.StatusCode);
        Assert.Equal("application/problem+json", unknownRoute.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Contains("the API accepts at most 65536 (Portal:Api:MaxRequestBodyBytes)", (await huge.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
    }

    [Fact]
    public async Task TheSandboxLogsDownloadLinkIsUnderstood()
    {
        var client = await _portal.LoggedInClientAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);

        // No such sandbox: 404, where the link's ?download=1 used to be refused as a bad request.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/sandboxes/999/logs?download=1")).StatusCode);
    }

    [Fact]
    public async Task EveryAnswerCarriesTheSecurityHeaders()
    {
        var response = await _portal.CreateClient().GetAsync("/Account/Login");

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self' 'nonce-", policy);
        Assert.Contains("frame-ancestors 'none'", policy);

        // The API answers data, which nothing may run or load from.
        var api = await _portal.CreateClient().GetAsync("/api/v1/boards");
        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", api.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task TheDatabaseAndConsoleLogsAreReadableByThePortalsUserOnly()
    {
        var user = await _portal.CreateUserAsync("private@lab.test", Password);
        var held = (await _portal.Services.GetRequiredService<ReservationLifecycle>().ReserveBoardAsync(user, "rpi-02", null, CancellationToken.None)).Reservation!;
        var log = _portal.Services.GetRequiredService<ConsoleRecorder>().LogPath(held.Id);
        await using (var watcher = _portal.Services.GetRequiredService<ConsoleBroker>().Watch("rpi-02", _ => Task.CompletedTask)!)
        {
            await watcher.WriteAsync("echo private\r"u8.ToArray(), CancellationToken.None);
            await PtyPair.WaitUntilAsync(() => File.Exists(log) && SharedFile.ReadAllText(log).Contains("private", StringComparison.Ordinal), "the recorded echo");
        }

        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (_portal.Database.Provider == PortalDatabase.Sqlite)
        {
            // PostgreSQL's files are its server's (PORTAL_TEST_DATABASE=postgres); a SQLite file is the portal's own.
            Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(_portal.DataDirectory, "portal.db")));
        }

        Assert.Equal(owner | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(log)!));
        Assert.Equal(owner, File.GetUnixFileMode(log));
    }
}
