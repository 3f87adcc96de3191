using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Components.Shared;
using Portal.Data;
using Portal.Events;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

public sealed class LabLiveComponentTests : MudBunitContext
{
    private readonly LabEvents _events = LabEventLog.NewBus();

    public LabLiveComponentTests() => Services.AddSingleton(_events);

    [Fact]
    public void ChangesThatArriveWhileThePageReloadsBecomeOneReload()
    {
        var page = Render<BoardWatcher>();
        _events.Publish(new BoardChanged("rpi-1"));
        page.WaitForAssertion(() => Assert.Single(page.Instance.Batches));

        // Ten changes of its board (and five of another) while the first reload is still running.
        for (var i = 0; i < 10; i++)
        {
            _events.Publish(new ReservationChanged(i, "rpi-1", "alice", ReservationState.Active));
            _events.Publish(new BoardChanged("rpi-2"));
        }

        page.Instance.FirstReload.SetResult();

        page.WaitForAssertion(() => Assert.Equal(2, page.Instance.Batches.Count), TimeSpan.FromSeconds(10));
        Assert.Equal(10, page.Instance.Batches[1].Events.Count);
        Assert.All(page.Instance.Batches[1].Events, e => Assert.True(e.IsAboutBoard("rpi-1")));
        Assert.Equal("2 reloads", page.Markup);
    }

    [Fact]
    public async Task AGonePageIsNoLongerSubscribed()
    {
        var page = Render<BoardWatcher>();
        Assert.Equal(1, _events.PageCount);

        await page.Instance.DisposeAsync();

        Assert.Equal(0, _events.PageCount);
        _events.Publish(new BoardChanged("rpi-1"));
        Assert.Empty(page.Instance.Batches);
    }

    /// <summary>Shows rpi-1; its first reload waits until the test lets it finish.</summary>
    private sealed class BoardWatcher : LabLiveComponent
    {
        public List<LabEventBatch> Batches { get; } = [];

        public TaskCompletionSource FirstReload { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override bool Concerns(LabEvent labEvent) => labEvent.IsAboutBoard("rpi-1");

        protected override async Task OnLabEventsAsync(LabEventBatch batch)
        {
            Batches.Add(batch);
            if (Batches.Count == 1)
            {
                await FirstReload.Task;
            }
        }

        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder) =>
            builder.AddContent(0, $"{Batches.Count} reloads");
    }
}
