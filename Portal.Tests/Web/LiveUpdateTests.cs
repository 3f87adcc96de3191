using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Events;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

public sealed class LiveUpdateTests
{
    [Fact]
    public async Task AReserveAndReleaseThroughTheApiWaitNeitherForAPageThatNeverReadsNorForAHandlerThatHangs()
    {
        var hanging = new HangingHandler();
        await using var portal = new PortalFactory().WithServices(services =>
        {
            services.AddSingleton(hanging);
            services.AddLabEventHandler<ReservationChanged, HangingHandler>();
        });
        var api = await portal.TokenClientAsync("fast@lab.test");
        using var stuckPage = portal.Services.GetRequiredService<LabEvents>().Subscribe(_ => true);

        // Were the publisher to wait for either, these requests would not come back (the bound only keeps a broken test from hanging).
        var reserved = await api.PostAsJsonAsync("api/v1/reservations", new { board = "pine-01" }).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
        var id = (await reserved.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt32();
        var released = await api.DeleteAsync($"api/v1/reservations/{id}").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);

        // The handler got the grant and is still stuck in it; the page that never read has both changes waiting.
        Assert.Equal(id, await hanging.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var waiting = stuckPage.TakeQueued().Events.OfType<ReservationChanged>().Where(e => e.ReservationId == id).Select(e => e.State);
        Assert.Equal([ReservationState.Active, ReservationState.Released], waiting);
    }

    private sealed class HangingHandler : ILabEventHandler<ReservationChanged>
    {
        public TaskCompletionSource<int> Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task HandleAsync(ReservationChanged labEvent, CancellationToken cancellationToken)
        {
            Entered.TrySetResult(labEvent.ReservationId);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
