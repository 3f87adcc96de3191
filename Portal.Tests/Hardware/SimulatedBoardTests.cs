using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Hardware;

namespace Portal.Tests.Hardware;

public sealed class SimulatedBoardTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new();
    private readonly ServiceProvider _services;
    private readonly DriverFactory _drivers;

    public SimulatedBoardTests()
    {
        _services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(_clock).AddHardware().BuildServiceProvider();
        _drivers = _services.GetRequiredService<DriverFactory>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _services.DisposeAsync().AsTask();

    [Fact]
    public async Task ShellAnswersHelpUnameAndEcho()
    {
        await using var stream = await Console("b1").OpenAsync(CancellationToken.None);
        var console = new ConsoleReader(stream);

        await console.TypeAsync("help\r");
        await console.WaitForAsync("Commands: help, uname [-a], echo TEXT, reboot");
        await console.TypeAsync("uname -a\r");
        await console.WaitForAsync("Linux b1 6.6.0-portal-sim");
        await console.TypeAsync("echo hello lab\r");
        var seen = await console.WaitForAsync("hello lab\r\nroot@b1:~# ");

        Assert.Contains("help\r\n", seen); // typed characters are echoed
    }

    [Fact]
    public async Task UnknownCommandIsReportedAndBackspaceEdits()
    {
        await using var stream = await Console("b1").OpenAsync(CancellationToken.None);
        var console = new ConsoleReader(stream);

        await console.TypeAsync("echoo\x7f hi\r");

        await console.WaitForAsync("\r\nhi\r\n");
        await console.TypeAsync("frobnicate\r");
        await console.WaitForAsync("sh: frobnicate: not found");
    }

    [Fact]
    public async Task ABreakDropsTheHalfTypedLineAndSaysSo()
    {
        var board = (IBreakableConsole)Console("b1");
        await using var stream = await board.OpenAsync(CancellationToken.None);
        var console = new ConsoleReader(stream);
        await console.TypeAsync("echo never");
        await console.WaitForAsync("echo never");

        await board.SendBreakAsync(stream, CancellationToken.None);
        await console.TypeAsync("echo after\r");

        var seen = await console.WaitForAsync("after\r\nroot@b1:~# ");
        Assert.Contains("echo never\r\n[break]\r\nroot@b1:~# echo after\r\nafter\r\n", seen);
        Assert.DoesNotContain("never\r\nnever", seen);
    }

    [Fact]
    public async Task PoweredOffBoardIsSilentAndPowerOnPrintsTheBootLog()
    {
        var power = Power("b2", poweredAtStart: false);
        await using var stream = await Console("b2", poweredAtStart: false).OpenAsync(CancellationToken.None);
        var console = new ConsoleReader(stream);
        Assert.Equal(PowerState.Off, await power.GetStateAsync(CancellationToken.None));

        await console.TypeAsync("help\r");
        await power.PowerOnAsync(CancellationToken.None);
        var seen = await console.WaitForAsync("Welcome to b2\r\nroot@b2:~# ");

        Assert.Equal(PowerState.On, await power.GetStateAsync(CancellationToken.None));
        Assert.DoesNotContain("Commands:", seen); // what was typed while off never reached the board
    }

    [Fact]
    public async Task CycleTurnsTheBoardOffThenBootsItAgain()
    {
        var power = Power("b3");
        await using var stream = await Console("b3").OpenAsync(CancellationToken.None);
        var console = new ConsoleReader(stream);

        var cycle = power.CycleAsync(CancellationToken.None);
        Assert.Equal(PowerState.Off, await power.GetStateAsync(CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await cycle;

        await console.WaitForAsync("U-Boot 2024.01");
        Assert.Equal(PowerState.On, await power.GetStateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RebootPrintsTheBootLogToEveryOpenConsole()
    {
        await using var first = await Console("b4").OpenAsync(CancellationToken.None);
        await using var second = await Console("b4").OpenAsync(CancellationToken.None);

        await new ConsoleReader(first).TypeAsync("reboot\r");

        await new ConsoleReader(first).WaitForAsync("Restarting system.\r\n\r\nU-Boot");
        await new ConsoleReader(second).WaitForAsync("Welcome to b4");
    }

    private IConsole Console(string board, bool poweredAtStart = true) =>
        _drivers.CreateConsole(board, Spec(poweredAtStart));

    private IPowerDriver Power(string board, bool poweredAtStart = true) =>
        _drivers.CreatePower(board, Spec(poweredAtStart));

    private static DriverSpec Spec(bool poweredAtStart) =>
        new("simulated", new Dictionary<string, string?> { ["Driver"] = "simulated", ["PoweredAtStart"] = poweredAtStart.ToString() });
}
