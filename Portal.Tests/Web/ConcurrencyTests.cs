using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Portal.Api;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>
/// No board is ever handed to two people, however many ask at once: 200 parallel requests over the HTTP API, on
/// SQLite and on PostgreSQL (where the requests' transactions really run side by side, under READ COMMITTED).
/// </summary>
public sealed class ConcurrencyTests : IAsyncLifetime
{
    private const int Requests = 200;

    private readonly List<HttpClient> _clients = [];
    private PortalFactory? _portal;

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's IAsyncDisposable.
    public async Task DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(PortalDatabase.Sqlite)]
    [PostgresData]
    public async Task TwoHundredParallelReservationsOfOneBoardGrantExactlyOne(string database)
    {
        await StartAsync(database);
        var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i =>
            _clients[i % _clients.Count].PostAsJsonAsync("/api/v1/reservations", new ReserveRequest("farm-1", null, null, null))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var refusals = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        Assert.Equal(Requests - 1, refusals.Count);
        Assert.All(refusals, r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        foreach (var refusal in refusals)
        {
            Assert.Equal("Board farm-1 is reserved.", (await refusal.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        }
    }

    [Theory]
    [InlineData(PortalDatabase.Sqlite)]
    [PostgresData]
    public async Task TwoHundredParallelClassReservationsGrantEachOfFourBoardsOnceAndQueueTheRest(string database)
    {
        await StartAsync(database);
        var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i =>
            _clients[i % _clients.Count].PostAsJsonAsync("/api/v1/reservations", new ReserveRequest(null, "farm", null, null, Wait: true))));

        var granted = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        var queued = responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();
        Assert.Equal(4, granted.Count);
        Assert.Equal(Requests - 4, queued.Count);
        var boards = new List<string>();
        foreach (var response in granted)
        {
            boards.Add((await response.Content.ReadFromJsonAsync<ApiReservation>())!.Board);
        }

        Assert.Equal(["farm-1", "farm-2", "farm-3", "farm-4"], boards.Order());
        var positions = new List<int>();
        foreach (var response in queued)
        {
            positions.Add((await response.Content.ReadFromJsonAsync<ApiQueueEntry>())!.Position);
        }

        // Each answer gave the position at the time; the queue now holds all of them, numbered 1..196 without gaps.
        Assert.All(positions, p => Assert.InRange(p, 1, Requests - 4));
        var all = new List<ApiQueueEntry>();
        foreach (var client in _clients)
        {
            all.AddRange((await client.GetFromJsonAsync<List<ApiQueueEntry>>("/api/v1/queue"))!);
        }

        Assert.Equal(Enumerable.Range(1, Requests - 4), all.Select(q => q.Position).Order());
    }

    private async Task StartAsync(string database)
    {
        _portal = new PortalFactory().WithDatabase(database)
            .WithSetting("Lab:Classes:farm:Arch", "arm64")
            .WithSetting("Lab:Boards:6:Name", "farm-1").WithSetting("Lab:Boards:6:Class", "farm")
            .WithSetting("Lab:Boards:7:Name", "farm-2").WithSetting("Lab:Boards:7:Class", "farm")
            .WithSetting("Lab:Boards:8:Name", "farm-3").WithSetting("Lab:Boards:8:Class", "farm")
            .WithSetting("Lab:Boards:9:Name", "farm-4").WithSetting("Lab:Boards:9:Class", "farm")
            .WithSetting("Lab:Reservations:MaxQueuedPerUser", "20"); // ten users queue 196 requests between them

        // Ten users, each with a token, share the 200 requests.
        for (var i = 0; i < 10; i++)
        {
            _clients.Add(await _portal.TokenClientAsync($"racer{i}@lab.test"));
        }
    }
}
