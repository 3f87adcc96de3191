using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Data;
using Portal.Events;
using Portal.Tests.Support;

namespace Portal.Tests.Events;

public sealed class LabEventsTests
{
    [Fact]
    public void APageThatNeverReadsHoldsAtMostItsCapacityAndIsToldToReloadEverything()
    {
        var events = LabEventLog.NewBus();
        using var stuck = events.Subscribe(_ => true);

        for (var i = 0; i < 1000; i++)
        {
            events.Publish(new BoardChanged($"board-{i}"));
        }

        var batch = stuck.TakeQueued();
        Assert.True(batch.Overflowed);
        Assert.Equal(LabEvents.PageQueueCapacity, batch.Events.Count);
        // The newest survive: the page reloads everything anyway, and then hears what came after.
        Assert.Equal(new BoardChanged("board-999"), batch.Events[^1]);
        Assert.False(stuck.TakeQueued().Overflowed);
    }

    [Fact]
    public void APageHearsOnlyWhatItShows()
    {
        var events = LabEventLog.NewBus();
        using var boardPage = events.Subscribe(e => e.IsAboutBoard("rpi-1"));

        events.Publish(new BoardChanged("rpi-2"));
        events.Publish(new ReservationChanged(7, "rpi-1", "alice", ReservationState.Active));
        events.Publish(new QueueChanged("rpi4"));
        events.Publish(new RulesChanged());

        var batch = boardPage.TakeQueued();
        Assert.Equal([new ReservationChanged(7, "rpi-1", "alice", ReservationState.Active), new RulesChanged()], batch.Events);
        Assert.False(batch.Overflowed);
    }

    [Fact]
    public void AFilterThatThrowsDoesNotKeepTheEventFromThatPageOrTheOthers()
    {
        var events = LabEventLog.NewBus();
        using var broken = events.Subscribe(_ => throw new InvalidOperationException("not loaded yet"));
        using var log = new LabEventLog(events);

        events.Publish(new BoardChanged("rpi-1"));

        Assert.Equal([new BoardChanged("rpi-1")], broken.TakeQueued().Events);
        Assert.Equal([new BoardChanged("rpi-1")], log.Events);
    }

    [Fact]
    public async Task ADomainHandlerThatFailsOrHangsNeitherDelaysThePublisherNorTheOtherHandlers()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLabEvents();
        services.AddLabEventHandler<ReservationChanged, HangingHandler>();
        services.AddLabEventHandler<ReservationChanged, FailingHandler>();
        services.AddLabEventHandler<ReservationChanged, RecordingHandler>();
        services.AddLabEventHandler<BoardChanged, RecordingBoardsHandler>();
        await using var provider = services.BuildServiceProvider();
        var events = provider.GetRequiredService<LabEvents>();

        // Published before the host runs the handlers (as at start): queued, not lost.
        events.Publish(new ReservationChanged(1, "rpi-1", "alice", ReservationState.Active));
        var host = provider.GetServices<IHostedService>().Single();
        await host.StartAsync(CancellationToken.None);
        events.Publish(new BoardChanged("rpi-1"));
        events.Publish(new ReservationChanged(1, "rpi-1", "alice", ReservationState.Released));

        var recorded = provider.GetRequiredService<RecordingHandler>();
        Assert.Equal([ReservationState.Active, ReservationState.Released], await recorded.TakeAsync(2));
        Assert.Equal(["rpi-1"], await provider.GetRequiredService<RecordingBoardsHandler>().TakeAsync(1));
        // The failing handler was called for both, the second time after its first failure.
        Assert.Equal([ReservationState.Active, ReservationState.Released], await provider.GetRequiredService<FailingHandler>().TakeAsync(2));
        // The hanging one is still on the first event.
        Assert.Equal([ReservationState.Active], await provider.GetRequiredService<HangingHandler>().TakeAsync(1));

        // Stopping cancels the hanging handler instead of waiting for it.
        await host.StopAsync(CancellationToken.None);
    }

    private sealed class HangingHandler : Recorder<ReservationChanged, ReservationState>
    {
        protected override ReservationState Pick(ReservationChanged labEvent) => labEvent.State;

        protected override Task AfterwardsAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private sealed class FailingHandler : Recorder<ReservationChanged, ReservationState>
    {
        protected override ReservationState Pick(ReservationChanged labEvent) => labEvent.State;

        protected override Task AfterwardsAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("handler bug");
    }

    private sealed class RecordingHandler : Recorder<ReservationChanged, ReservationState>
    {
        protected override ReservationState Pick(ReservationChanged labEvent) => labEvent.State;
    }

    private sealed class RecordingBoardsHandler : Recorder<BoardChanged, string>
    {
        protected override string Pick(BoardChanged labEvent) => labEvent.Board;
    }

    private abstract class Recorder<TEvent, T> : ILabEventHandler<TEvent> where TEvent : LabEvent
    {
        private readonly System.Threading.Channels.Channel<T> _seen = System.Threading.Channels.Channel.CreateUnbounded<T>();

        public async Task HandleAsync(TEvent labEvent, CancellationToken cancellationToken)
        {
            await _seen.Writer.WriteAsync(Pick(labEvent), cancellationToken);
            await AfterwardsAsync(cancellationToken);
        }

        protected abstract T Pick(TEvent labEvent);

        protected virtual Task AfterwardsAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>The next <paramref name="count"/> values; the bound only keeps a broken test from hanging.</summary>
        public async Task<T[]> TakeAsync(int count)
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var values = new T[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = await _seen.Reader.ReadAsync(bound.Token);
            }

            return values;
        }
    }
}
