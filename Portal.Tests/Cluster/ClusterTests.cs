using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Playwright;
using Npgsql;
using Portal.Api;
using Portal.Tests.Browser;
using Portal.Tests.Support;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests.Cluster;

/// <summary>
/// Three portal instances on one PostgreSQL database behind nginx with deploy/nginx-portal.conf, as the README's
/// "Several instances behind nginx" runs them: reservations through nginx never book a board twice, a reservation on
/// one instance shows live on another, one board's console is shared by browsers on different instances, and a
/// console, the lease clock and the queue go on when the instance that owns the console is killed.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ClusterTests(BrowserFixture browser, PortalCluster cluster, ITestOutputHelper output) : IClassFixture<PortalCluster>, IAsyncLifetime
{
    private const int Requests = 300;

    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync() => PortalCluster.Available || IntegrationRequirement.Required ? cluster.EnsureAllRunningAsync() : Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }
    }

    [ClusterFact]
    public async Task ThreeHundredParallelReservesThroughNginxReachEveryInstanceAndBookNoBoardTwice()
    {
        // As scripts and CI call the API: a token each, no cookies, so nginx spreads them over the instances.
        var clients = Enumerable.Range(0, 10).Select(i => ApiClient(cluster.Address, $"racer{i}@lab.test")).ToList();
        var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i => clients[i % clients.Count].PostAsJsonAsync(
            "api/v1/reservations", i % 2 == 0 ? new ReserveRequest("farm-1", null, null, 60) : new ReserveRequest(null, "farm", null, 60))));

        var statuses = responses.GroupBy(r => r.StatusCode).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(statuses.Keys.All(s => s is HttpStatusCode.Created or HttpStatusCode.Conflict), $"Answers other than 201 and 409: {string.Join(", ", statuses)}\n{cluster.Outputs}");
        var boards = new List<string>();
        foreach (var response in responses.Where(r => r.StatusCode == HttpStatusCode.Created))
        {
            boards.Add((await response.Content.ReadFromJsonAsync<ApiReservation>())!.Board);
        }

        Assert.Equal(["farm-1", "farm-2", "farm-3", "farm-4"], boards.Order());
        foreach (var refusal in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            Assert.Matches(RefusalRegex(), (await refusal.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        }

        output.WriteLine($"Answers: {string.Join(", ", statuses)}");
        var served = cluster.AccessLog.Split('\n').Where(l => l.Contains("\"POST /api/v1/reservations ", StringComparison.Ordinal)).Select(Upstream).ToHashSet();
        Assert.All(Enumerable.Range(0, PortalCluster.Size), i => Assert.Contains(cluster.UpstreamOf(i), served));
        Assert.Equal(0, await OverlappingReservationsAsync());
    }

    [ClusterFact]
    public async Task AReservationOnOneInstanceShowsLiveOnAnotherAndBothSeeTheConsoleEcho()
    {
        var holder = await LogInAsync(await NewPageAsync(cluster.Instance(0).Address), "holder@lab.test");
        var watcher = await LogInAsync(await NewPageAsync(cluster.Instance(1).Address), "watcher@lab.test");
        var watchersRow = watcher.Locator("[data-board='pine-01']");
        await Expect(watchersRow.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "free");

        await holder.GetByRole(AriaRole.Button, new() { Name = "Reserve pine-01" }).ClickAsync();
        await Expect(holder.GetByText("You hold pine-01.")).ToBeVisibleAsync();

        // Made on instance 0, shown by instance 1 without a reload.
        await Expect(watchersRow.Locator("[data-state]")).ToHaveAttributeAsync("data-state", "reserved");
        await Expect(watchersRow).ToContainTextAsync("holder@lab.test");

        // The recorder opened the console on the instance that records; the holder types from another one (signed in
        // there too: one cookie for every instance), so what they type and what bash answers cross between instances.
        var owner = await ConsoleOwnerAsync("pine-01", except: null);
        var typingOn = Enumerable.Range(0, PortalCluster.Size).First(i => i != owner && i != 1);
        await holder.GotoAsync(new Uri(cluster.Instance(typingOn).Address, "boards/pine-01/console").ToString());
        await watcher.GotoAsync("boards/pine-01/console");
        await Expect(holder.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "interactive");
        await Expect(watcher.Locator("[data-console-mode]")).ToHaveAttributeAsync("data-console-mode", "read-only");
        await Expect(holder.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        await Expect(watcher.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();

        var echo = await TypeEchoAsync(holder, "cluster");

        await Expect(Screen(holder)).ToContainTextAsync(echo);
        await Expect(Screen(watcher)).ToContainTextAsync(echo);
    }

    [ClusterFact]
    public async Task KillingTheInstanceThatOwnsAConsoleMovesItAndTheLeaseClockAndQueueGoOn()
    {
        var keeper = ApiClient(cluster.Address, "keeper@lab.test");
        Assert.Equal(HttpStatusCode.Created, (await keeper.PostAsJsonAsync("api/v1/reservations", new ReserveRequest("pine-02", null, null, 60))).StatusCode);
        var owner = await ConsoleOwnerAsync("pine-02", except: null);

        // Both browsers through nginx: the holder's lands on the instance that has the console, the watcher's on another.
        var holder = await LogInAsync(await PageThroughNginxAsync(i => i == owner), "keeper@lab.test");
        var watcher = await LogInAsync(await PageThroughNginxAsync(i => i != owner), "viewer@lab.test");
        foreach (var page in new[] { holder, watcher })
        {
            await page.GotoAsync("boards/pine-02/console");
            await Expect(page.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync();
        }

        var before = await TypeEchoAsync(holder, "before");
        await Expect(Screen(holder)).ToContainTextAsync(before);
        await Expect(Screen(watcher)).ToContainTextAsync(before);

        // A lease that runs out while the owner is down, and a request queued behind it (only rpi-01 has a camera).
        var leaser = ApiClient(cluster.Address, "leaser@lab.test");
        var waiter = ApiClient(cluster.Address, "waiter@lab.test");
        var leased = await leaser.PostAsJsonAsync("api/v1/reservations", new ReserveRequest("rpi-01", null, null, LeaseMinutes: 0.05));
        Assert.Equal(HttpStatusCode.Created, leased.StatusCode);
        var lease = (await leased.Content.ReadFromJsonAsync<ApiReservation>())!;
        var queued = await waiter.PostAsJsonAsync("api/v1/reservations", new ReserveRequest(null, "rpi4", new() { ["camera"] = "yes" }, 60, Wait: true));
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);

        await holder.EvaluateAsync("() => { window.portalBeforeFailover = true; }");
        await cluster.KillAsync(owner);
        var killedAt = DateTime.UtcNow;

        // The watcher's instance takes the console over; the holder's page, whose instance is gone, is reconnected
        // through nginx to a live one, and reloaded by Blazor when that one refuses the old circuit (or by its user
        // when the reconnect dialog gives up).
        var newOwner = await ConsoleOwnerAsync("pine-02", except: owner);
        var takeover = DateTime.UtcNow - killedAt;
        var watchersInstance = await InstanceOfAsync(watcher);
        output.WriteLine($"Killed instance {owner}; instance {newOwner} opened the console {takeover.TotalSeconds:0.0} s later; the watcher's page is on instance {watchersInstance}.");
        Assert.True(takeover < TimeSpan.FromSeconds(10), $"Instance {newOwner} opened pine-02's console {takeover.TotalSeconds:0.0} s after the kill.\n{cluster.Outputs}");
        // Whichever live instance serves the watcher's page, the instance that took the console over says so there.
        await Expect(Screen(watcher)).ToContainTextAsync("[console moved]");

        output.WriteLine($"The holder's page was {await ReloadedAsync(holder)}.");
        await Expect(holder.Locator("[data-terminal][data-ready=true]")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        Assert.NotEqual(owner, await InstanceOfAsync(holder));

        var after = await TypeEchoAsync(holder, "after");
        foreach (var page in new[] { holder, watcher })
        {
            await Expect(Screen(page)).ToContainTextAsync(before);
            await Expect(Screen(page)).ToContainTextAsync(after);
        }

        // The lease ended once, by the clock; the waiting request got the board.
        var waitersBoards = await Poll.UntilAsync(async () => (await waiter.GetFromJsonAsync<List<ApiReservation>>("api/v1/reservations?active=true"))!, r => r.Count == 1);
        Assert.Equal("rpi-01", Assert.Single(waitersBoards).Board);
        Assert.Equal("expired", (await leaser.GetFromJsonAsync<ApiReservation>($"api/v1/reservations/{lease.Id}"))!.State);
        await using var db = new NpgsqlConnection(cluster.ConnectionString);
        await db.OpenAsync();
        Assert.Equal(1L, await ScalarAsync(db, """SELECT count(*) FROM "Audit" WHERE "Action" = 'expire' AND "ReservationId" = @id""", lease.Id));
        Assert.Equal(1L, await ScalarAsync(db, """SELECT count(*) FROM "Reservations" r JOIN "AspNetUsers" u ON u."Id" = r."UserId" WHERE u."Email" = 'leaser@lab.test'"""));
        Assert.Equal(1L, await ScalarAsync(db, """SELECT count(*) FROM "Reservations" r JOIN "AspNetUsers" u ON u."Id" = r."UserId" WHERE u."Email" = 'waiter@lab.test'"""));
        Assert.Equal(0, await OverlappingReservationsAsync());
    }

    /// <summary>Reservations of one board whose times overlap: double bookings, now or in the past.</summary>
    private async Task<long> OverlappingReservationsAsync()
    {
        await using var db = new NpgsqlConnection(cluster.ConnectionString);
        await db.OpenAsync();
        return await ScalarAsync(db, """
            SELECT count(*) FROM "Reservations" a JOIN "Reservations" b ON a."BoardId" = b."BoardId" AND a."Id" < b."Id"
            WHERE a."GrantedAt" < coalesce(b."EndedAt", 'infinity') AND b."GrantedAt" < coalesce(a."EndedAt", 'infinity')
            """);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection db, string sql, int? id = null)
    {
        await using var command = new NpgsqlCommand(sql, db);
        if (id is not null)
        {
            command.Parameters.AddWithValue("id", id);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The instance nginx sent this page's requests to, by its affinity cookie in the access log.</summary>
    private async Task<int> InstanceOfAsync(IPage page)
    {
        var node = (await page.Context.CookiesAsync()).Single(c => c.Name == "portal_node").Value;
        var address = Upstream(cluster.AccessLog.Split('\n').Last(l => l.EndsWith($" node={node}", StringComparison.Ordinal)));
        return Enumerable.Range(0, PortalCluster.Size).Single(i => cluster.UpstreamOf(i) == address);
    }

    /// <summary>
    /// The instance that has the board's console open, by the line it logs when it opens one: the one running instance
    /// other than <paramref name="except"/> that has logged it, waited for up to 10 s.
    /// </summary>
    private async Task<int> ConsoleOwnerAsync(string board, int? except)
    {
        var opened = new Regex($@"Console of {Regex.Escape(board)}\b.*opened");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var owners = Enumerable.Range(0, PortalCluster.Size)
                .Where(i => i != except && !cluster.Instance(i).HasExited && opened.IsMatch(cluster.Instance(i).Output))
                .ToList();
            if (owners.Count == 1)
            {
                return owners[0];
            }

            Assert.True(owners.Count < 2, $"{board}'s console was opened by instances {string.Join(", ", owners)} at once.\n{cluster.Outputs}");
            Assert.True(DateTime.UtcNow < deadline, $"No instance says it opened {board}'s console (\"Console of {board} ... opened\").\n{cluster.Outputs}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Waits until the page has been loaded again (it lost its instance), reloading it as a user would if Blazor gives
    /// up; says which happened.
    /// </summary>
    private static async Task<string> ReloadedAsync(IPage page)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await StillTheOldPageAsync(page))
        {
            var gaveUp = await page.Locator("#components-reconnect-modal.components-reconnect-failed, #components-reconnect-modal.components-reconnect-resume-failed").CountAsync() > 0;
            if (gaveUp || DateTime.UtcNow > deadline)
            {
                await page.ReloadAsync();
                return gaveUp ? "reloaded by the test after the reconnect dialog gave up" : "reloaded by the test after 15 s";
            }

            await Task.Delay(200);
        }

        return "reloaded by Blazor";
    }

    private static async Task<bool> StillTheOldPageAsync(IPage page)
    {
        try
        {
            return await page.EvaluateAsync<bool>("() => window.portalBeforeFailover === true");
        }
        catch (PlaywrightException)
        {
            return true; // being reloaded right now: ask again
        }
    }

    /// <summary>Types an echo whose output differs from what was typed (the shell does the sum), and returns that output.</summary>
    private static async Task<string> TypeEchoAsync(IPage page, string word)
    {
        var number = Random.Shared.Next(10_000, 20_000);
        await page.Locator("[data-terminal]").ClickAsync();
        await page.Keyboard.TypeAsync($"echo {word}-$(({number}+1))");
        await page.Keyboard.PressAsync("Enter");
        return $"{word}-{number + 1}";
    }

    private static ILocator Screen(IPage page) => page.Locator("[data-terminal] .xterm-rows");

    /// <summary>A page in a browser context of its own (its own cookies), whose terminals draw with the DOM renderer the test reads.</summary>
    private async Task<IPage> NewPageAsync(Uri address)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        await context.AddInitScriptAsync("try { localStorage.setItem('portal.terminal.renderer', 'dom'); } catch { /* a page without storage */ }");
        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// A new browser at nginx's address, again until nginx has given it (by the affinity cookie it set on the first
    /// answer) an instance the test wants: where a person's browser lands is chance, which a test cannot leave to it.
    /// </summary>
    private async Task<IPage> PageThroughNginxAsync(Func<int, bool> wanted)
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var page = await NewPageAsync(cluster.Address);
            await page.GotoAsync("Account/Login");
            if (wanted(await InstanceOfAsync(page)))
            {
                return page;
            }

            _contexts.Remove(page.Context);
            await page.Context.DisposeAsync();
        }

        throw new InvalidOperationException($"nginx sent 30 new browsers to none of the instances wanted.\n{cluster.AccessLog}");
    }

    private static async Task<IPage> LogInAsync(IPage page, string email)
    {
        await BrowserTest.LogInAsync(page, email, PortalCluster.Password);
        await BrowserTest.WaitUntilLiveAsync(page);
        return page;
    }

    private HttpClient ApiClient(Uri address, string user)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.Token(user));
        return client;
    }

    /// <summary>The instance that answered a request of nginx's access log: the last one it tried (<c>upstream=A, B</c>).</summary>
    private static string Upstream(string line) => UpstreamRegex().Match(line).Groups[1].Value.Split(", ").Last();

    [GeneratedRegex(" upstream=(.*) node=")]
    private static partial Regex UpstreamRegex();

    [GeneratedRegex(@"^(Board farm-[1-4] is reserved\.|No free board of class farm\.)$")]
    private static partial Regex RefusalRegex();
}
