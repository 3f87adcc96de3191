using Microsoft.Extensions.DependencyInjection;
using Portal.Hardware;
using Portal.Tests.Support;

namespace Portal.Tests.Hardware;

public sealed class SnmpPowerDriverTests(SnmpdFixture snmpd) : IClassFixture<SnmpdFixture>, IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddHardware().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [SnmpdFact]
    public async Task OnSetsTheSwitchPortAndStateReadsItBack()
    {
        var power = Driver(new() { ["Port"] = "1" });

        await power.PowerOnAsync(CancellationToken.None);

        Assert.Equal("1", snmpd.PortValue(1));
        Assert.Equal(PowerState.On, await power.GetStateAsync(CancellationToken.None));
    }

    [SnmpdFact]
    public async Task OffSwitchesThePortOff()
    {
        var power = Driver(new() { ["Port"] = "2" });
        await power.PowerOnAsync(CancellationToken.None);

        await power.PowerOffAsync(CancellationToken.None);

        Assert.Equal("2", snmpd.PortValue(2));
        Assert.Equal(PowerState.Off, await power.GetStateAsync(CancellationToken.None));
    }

    [SnmpdFact]
    public async Task CycleSwitchesOffThenOnAndEndsOn()
    {
        var power = Driver(new() { ["Port"] = "3", ["CycleDelayMs"] = "1" });
        await power.PowerOnAsync(CancellationToken.None);

        await power.CycleAsync(CancellationToken.None);

        Assert.Equal(["3 1", "3 2", "3 1"], snmpd.Sets().Where(set => set.StartsWith("3 ", StringComparison.Ordinal)).TakeLast(3));
        Assert.Equal(PowerState.On, await power.GetStateAsync(CancellationToken.None));
    }

    [SnmpdFact]
    public async Task StateIsWhatTheSwitchReports()
    {
        var power = Driver(new() { ["Port"] = "4", ["Community"] = "public" });

        snmpd.SetPortValue(4, 1);
        Assert.Equal(PowerState.On, await power.GetStateAsync(CancellationToken.None));

        snmpd.SetPortValue(4, 2);
        Assert.Equal(PowerState.Off, await power.GetStateAsync(CancellationToken.None));
    }

    [SnmpdFact]
    public async Task StateOfAPortTheSwitchLacksIsUnknown()
    {
        // snmpd answers noSuchInstance for it.
        var power = Driver(new() { ["Port"] = "9" });

        Assert.Equal(PowerState.Unknown, await power.GetStateAsync(CancellationToken.None));
    }

    [SnmpdFact]
    public async Task ReadOnlyCommunityIsRefusedTheSet()
    {
        var power = Driver(new() { ["Port"] = "1", ["Community"] = "public" });

        var error = await Assert.ThrowsAsync<PowerDriverException>(() => power.PowerOnAsync(CancellationToken.None));

        Assert.Equal($"power switch 127.0.0.1:{snmpd.AgentPort} refused the set: noAccess (6)", error.Message);
    }

    [SnmpdFact]
    public async Task WrongCommunityGetsNoAnswerAndTheMessageKeepsItSecret()
    {
        // snmpd drops v2c requests with an unknown community without a word.
        var power = Driver(new() { ["Port"] = "1", ["Community"] = "guessed-wrong", ["TimeoutMs"] = "300", ["Retries"] = "0" });

        var error = await Assert.ThrowsAsync<PowerSwitchUnreachableException>(() => power.PowerOnAsync(CancellationToken.None));

        Assert.Equal($"power switch 127.0.0.1:{snmpd.AgentPort} did not answer within 0.3 s", error.Message);
    }

    [SnmpdFact]
    public async Task GenericModelUsesTheConfiguredOidAndValues()
    {
        // An inverted relay: 2 means on. The OID is written as snmpget -On prints it.
        var power = Driver(new() { ["Port"] = "4", ["Model"] = "generic", ["Oid"] = $".{SnmpdFixture.PoeTable}.4", ["OnValue"] = "2", ["OffValue"] = "1" });

        await power.PowerOnAsync(CancellationToken.None);
        Assert.Equal("2", snmpd.PortValue(4));
        Assert.Equal(PowerState.On, await power.GetStateAsync(CancellationToken.None));

        await power.PowerOffAsync(CancellationToken.None);
        Assert.Equal("1", snmpd.PortValue(4));
        Assert.Equal(PowerState.Off, await power.GetStateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task SwitchThatDoesNotAnswerTimesOutNamingItsAddress()
    {
        var port = LoopbackPorts.FreeUdp();
        var power = Driver(new() { ["Port"] = "1", ["AgentPort"] = $"{port}", ["TimeoutMs"] = "500", ["Retries"] = "1" });

        var error = await Assert.ThrowsAsync<PowerSwitchUnreachableException>(() => power.GetStateAsync(CancellationToken.None));

        Assert.Equal($"power switch 127.0.0.1:{port} did not answer within 0.5 s", error.Message);
    }

    [Fact]
    public void TheCommunityIsNeverAPublicSetting()
    {
        var spec = new DriverSpec("snmp", new Dictionary<string, string?> { ["Driver"] = "snmp", ["Host"] = "pdu-1", ["Port"] = "3", ["community"] = "s3cret" });

        var shown = _services.GetRequiredService<DriverFactory>().PublicSettings(DriverKind.Power, spec);

        Assert.Equal(["Host", "Port"], shown.Keys.Order());
        Assert.DoesNotContain("s3cret", shown.Values);
    }

    [Theory]
    [InlineData("Port", "0", "Port: '0' is not a whole number of 1 or more")]
    [InlineData("AgentPort", "70000", "AgentPort: 70000 is not a UDP port (1-65535)")]
    [InlineData("Model", "cisco", "Model: unknown model 'cisco'; known: apc, generic, poe-mib")]
    [InlineData("TimeoutMs", "0", "TimeoutMs: '0' is not a whole number from 1 to 60000")]
    [InlineData("Retries", "-1", "Retries: '-1' is not a whole number from 0 to 10")]
    public void BadSettingsAreReportedByKey(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { ["Driver"] = "snmp", ["Host"] = "pdu-1", ["Port"] = "3", [key] = value };

        var errors = _services.GetRequiredService<DriverFactory>().Validate(DriverKind.Power, new DriverSpec("snmp", settings));

        Assert.Equal([expected], errors.Select(e => $"{e.Key}: {e.Reason}"));
    }

    [Fact]
    public void GenericModelNeedsItsOidAndValues()
    {
        var settings = new Dictionary<string, string?> { ["Driver"] = "snmp", ["Host"] = "pdu-1", ["Port"] = "3", ["Model"] = "generic", ["Oid"] = "1.3.6.x", ["OnValue"] = "on" };

        var errors = _services.GetRequiredService<DriverFactory>().Validate(DriverKind.Power, new DriverSpec("snmp", settings));

        Assert.Equal(
            ["Oid: '1.3.6.x' is not a numeric OID such as 1.3.6.1.4.1.318.1.1.4.4.2.1.3.1", "OnValue: 'on' is not a whole number", "OffValue: required for model generic"],
            errors.Select(e => $"{e.Key}: {e.Reason}"));
    }

    private IPowerDriver Driver(Dictionary<string, string?> settings)
    {
        settings["Driver"] = "snmp";
        settings["Host"] = "127.0.0.1";
        settings.TryAdd("AgentPort", $"{snmpd.AgentPort}");
        return _services.GetRequiredService<DriverFactory>().CreatePower("poe-board", new DriverSpec("snmp", settings));
    }
}
