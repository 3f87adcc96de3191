using Portal.Consoles;
using Portal.Data;
using Portal.Tests.Support;

namespace Portal.Tests.Consoles;

public sealed class AccessRecheckTests
{
    private readonly LabEvents _bus = LabEventLog.NewBus();

    [Fact]
    public async Task ASessionWhoseRightWentBeforeItListenedIsClosedAtOnce()
    {
        // The reservation ended between the session's own check and the recheck's subscription: no event comes.
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        await using (new AccessRecheck(_bus, "pine-01", _ => Task.FromResult<string?>("reservation of pine-01 ended"), reason => Close(closed, reason)))
        {
            Assert.Equal("reservation of pine-01 ended", await closed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        }
    }

    [Fact]
    public async Task ASessionIsClosedWhenAnEventAboutItsBoardTakesTheRightAwayAndNotBefore()
    {
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstDecision = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? refusal = null;
        var decisions = 0;

        await using (new AccessRecheck(_bus, "pine-01", Decide, reason => Close(closed, reason)))
        {
            await firstDecision.Task.WaitAsync(TimeSpan.FromSeconds(10));
            _bus.Publish(new ReservationChanged(7, "pine-02", "someone", ReservationState.Released));
            Volatile.Write(ref refusal, "reservation of pine-01 ended");
            _bus.Publish(new ReservationChanged(8, "pine-01", "holder", ReservationState.Released));

            Assert.Equal("reservation of pine-01 ended", await closed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(2, decisions);
        }

        Task<string?> Decide(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref decisions);
            firstDecision.TrySetResult();
            return Task.FromResult(Volatile.Read(ref refusal));
        }
    }

    private static Task Close(TaskCompletionSource<string> closed, string reason)
    {
        closed.SetResult(reason);
        return Task.CompletedTask;
    }
}
