using Portal.Components.Shared;

namespace Portal.Tests.Components;

public sealed class LatestReadTests
{
    [Fact]
    public async Task AReadThatEndsAfterALaterOneBeganIsNotShown()
    {
        var latest = new LatestRead();
        var shown = new List<string>();
        var first = new TaskCompletionSource<string>();
        var second = new TaskCompletionSource<string>();

        var firstRun = latest.RunAsync(() => first.Task, shown.Add);
        var secondRun = latest.RunAsync(() => second.Task, shown.Add);
        second.SetResult("after the change");
        first.SetResult("before the change");
        await Task.WhenAll(firstRun, secondRun);

        Assert.Equal(["after the change"], shown);
    }

    [Fact]
    public async Task ReadsThatEndInTheOrderTheyBeganAreAllShown()
    {
        var latest = new LatestRead();
        var shown = new List<string>();

        await latest.RunAsync(() => Task.FromResult("first"), shown.Add);
        await latest.RunAsync(() => Task.FromResult("second"), shown.Add);

        Assert.Equal(["first", "second"], shown);
    }
}
