using Portal.Consoles;

namespace Portal.Tests.Consoles;

public sealed class TerminalFlowControlTests
{
    [Fact]
    public void OutputThatWouldPassTheHighWatermarkIsRefusedUntilTheBrowserCatchesUp()
    {
        var flow = new TerminalFlowControl(highWatermark: 100, lowWatermark: 20);

        Assert.True(flow.TrySend(60));
        Assert.True(flow.TrySend(40));
        Assert.False(flow.TrySend(1));
        Assert.False(flow.Acknowledge(50));
        Assert.True(flow.Acknowledge(30));
        Assert.Equal(20, flow.InFlight);
        Assert.True(flow.TrySend(80));
    }

    [Fact]
    public void ABrowserCannotAcknowledgeMoreThanItWasSent()
    {
        var flow = new TerminalFlowControl(100, 20);
        flow.Sent(10);

        Assert.True(flow.Acknowledge(1_000_000));
        Assert.Equal(0, flow.InFlight);
        Assert.True(flow.Acknowledge(-5));
        Assert.Equal(0, flow.InFlight);
    }

    [Fact]
    public async Task ASenderAboveTheHighWatermarkWaitsUntilTheLowOne()
    {
        var flow = new TerminalFlowControl(100, 20);
        flow.Sent(150);

        var waiting = flow.WaitForRoomAsync(CancellationToken.None);
        flow.Acknowledge(100);
        Assert.False(waiting.IsCompleted);
        flow.Acknowledge(30);

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(flow.WaitForRoomAsync(CancellationToken.None).IsCompleted);
    }
}
