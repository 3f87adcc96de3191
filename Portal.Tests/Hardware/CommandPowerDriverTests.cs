using Microsoft.Extensions.DependencyInjection;
using Portal.Hardware;

namespace Portal.Tests.Hardware;

public sealed class CommandPowerDriverTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-power-").FullName;
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddHardware().BuildServiceProvider();

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task OnOffAndStateRunTheConfiguredCommandsForThatBoard()
    {
        var state = Path.Combine(_directory, "state");
        var power = Driver(new()
        {
            ["On"] = $"echo on > {state}; echo \"$PORTAL_BOARD\" > {state}.board",
            ["Off"] = $"echo off > {state}",
            ["State"] = $"cat {state}",
        });

        await power.PowerOnAsync(CancellationToken.None);
        Assert.Equal(PowerState.On, await power.GetStateAsync(CancellationToken.None));
        Assert.Equal("pdu-board\n", await File.ReadAllTextAsync(state + ".board"));

        await power.PowerOffAsync(CancellationToken.None);
        Assert.Equal(PowerState.Off, await power.GetStateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CycleWithoutACycleCommandRunsOffThenOn()
    {
        var log = Path.Combine(_directory, "log");
        var power = Driver(new() { ["On"] = $"echo on >> {log}", ["Off"] = $"echo off >> {log}", ["CycleDelayMs"] = "1" });

        await power.CycleAsync(CancellationToken.None);

        Assert.Equal("off\non\n", await File.ReadAllTextAsync(log));
    }

    [Fact]
    public async Task StateIsUnknownWithoutAStateCommand()
    {
        var power = Driver(new() { ["On"] = "true", ["Off"] = "true" });

        Assert.Equal(PowerState.Unknown, await power.GetStateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task FailingCommandReportsItsExitCodeAndOutput()
    {
        var power = Driver(new() { ["On"] = "echo 'relay 3 jammed' >&2; exit 3", ["Off"] = "true" });

        var error = await Assert.ThrowsAsync<PowerDriverException>(() => power.PowerOnAsync(CancellationToken.None));

        Assert.Equal("power command 'On' for pdu-board failed (exit code 3): relay 3 jammed", error.Message);
    }

    [Fact]
    public async Task CommandThatHangsIsStoppedAtItsTimeout()
    {
        var power = Driver(new() { ["On"] = "sleep 30", ["Off"] = "true", ["TimeoutSeconds"] = "1" });

        var error = await Assert.ThrowsAsync<TimeoutException>(() => power.PowerOnAsync(CancellationToken.None));

        Assert.Equal("'sleep 30' did not finish within 1 s", error.Message);
    }

    private IPowerDriver Driver(Dictionary<string, string?> settings)
    {
        settings["Driver"] = "command";
        return _services.GetRequiredService<DriverFactory>().CreatePower("pdu-board", new DriverSpec("command", settings));
    }
}
