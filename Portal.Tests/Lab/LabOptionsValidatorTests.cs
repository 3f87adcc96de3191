using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Hardware;
using Portal.Lab;
using Portal.Tests.Support;

namespace Portal.Tests.Lab;

public sealed class LabOptionsValidatorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-lab-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TheShippedDemoLabIsValid()
    {
        var failures = Validate(File.ReadAllText(Path.Combine(Repository.Root, "Portal", "appsettings.json")));

        Assert.Empty(failures);
    }

    [Theory]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "nope" } ] } }""",
        "lab.json: Lab:Boards:0:Class: unknown class 'nope'; defined classes: rpi4")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4" }, { "Name": "B1", "Class": "rpi4" } ] } }""",
        "lab.json: Lab:Boards:1:Name: duplicate board name 'B1' (first defined at Lab:Boards:0)")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Power": { "Driver": "command", "On": "true" } } ] } }""",
        "lab.json: Lab:Boards:0:Power:Off: required for driver command")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Power": { "Driver": "telepathy" } } ] } }""",
        "lab.json: Lab:Boards:0:Power:Driver: unknown power driver 'telepathy'; known: command, qemu, simulated, snmp")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Power": { "Driver": "snmp", "Host": "10.0.0.5" } } ] } }""",
        "lab.json: Lab:Boards:0:Power:Port: required for driver snmp")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Power": { "Driver": "snmp", "Host": "10.0.0.5", "Port": 3, "Model": "netgear" } } ] } }""",
        "lab.json: Lab:Boards:0:Power:Model: unknown model 'netgear'; known: apc, generic, poe-mib")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Power": { "Driver": "snmp", "Host": "10.0.0.5", "Port": 3, "Model": "generic", "OnValue": 1, "OffValue": 0 } } ] } }""",
        "lab.json: Lab:Boards:0:Power:Oid: required for model generic")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Console": { "Baud": "115200" } } ] } }""",
        "lab.json: Lab:Boards:0:Console:Driver: required; one of qemu, serial, simulated, tcp")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Console": { "Driver": "tcp", "Host": "lab-host-2", "Port": "70000" } } ] } }""",
        "lab.json: Lab:Boards:0:Console:Port: '70000' is not a TCP port (1-65535)")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Console": { "Driver": "serial", "Device": "/dev/ttyUSB0", "Parity": "sometimes" } } ] } }""",
        "lab.json: Lab:Boards:0:Console:Parity: 'sometimes' is not one of none, odd, even, mark, space")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Description": "no arch" } } } }""",
        "lab.json: Lab:Classes:rpi4:Arch: required")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b 1", "Class": "rpi4" } ] } }""",
        "lab.json: Lab:Boards:0:Name: 'b 1' may only contain letters, digits, '.', '_' and '-'")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Console": { "Driver": "simulated", "PoweredAtStart": "maybe" } } ] } }""",
        "lab.json: Lab:Boards:0:Console:PoweredAtStart: 'maybe' is not true or false")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Ssh": { "Host": "10.0.0.9", "Port": 70000, "User": "root", "Password": "x" } } ] } }""",
        "lab.json: Lab:Boards:0:Ssh:Port: 70000 is not a TCP port (1-65535)")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Ssh": { "Host": "10.0.0.9", "Password": "x" } } ] } }""",
        "lab.json: Lab:Boards:0:Ssh:User: required when Ssh is set")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Ssh": { "User": "root", "Password": "x" } } ] } }""",
        "lab.json: Lab:Boards:0:Ssh:Host: required when Ssh is set")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Ssh": { "Host": "10.0.0.9", "User": "root" } } ] } }""",
        "lab.json: Lab:Boards:0:Ssh: KeyFile or Password required")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Ssh": { "Host": "10.0.0.9", "User": "root", "KeyFile": "/etc/portal/id_ed25519", "Password": "hunter2" } } ] } }""",
        "lab.json: Lab:Boards:0:Ssh: set KeyFile or Password, not both")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Ssh": { "Host": "10.0.0.9", "User": "root", "Password": "x", "HostKeyFingerprint": "MD5:16:27:ac" } } ] } }""",
        "lab.json: Lab:Boards:0:Ssh:HostKeyFingerprint: 'MD5:16:27:ac' is not a SHA256 fingerprint as ssh-keygen -lf prints it (SHA256: and 43 base64 characters)")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64", "HealthCheck": { "Steps": [] } } } } }""",
        "lab.json: Lab:Classes:rpi4:HealthCheck:Steps: at least one step required")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64", "HealthCheck": { "Steps": [ { "Power": "reboot" } ] } } } } }""",
        "lab.json: Lab:Classes:rpi4:HealthCheck:Steps:0:Power: 'reboot' is not a power action (on, off, cycle)")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64", "HealthCheck": { "Steps": [ { "Expect": "login:(" } ] } } } } }""",
        "lab.json: Lab:Classes:rpi4:HealthCheck:Steps:0:Expect: not a regular expression: Invalid pattern 'login:(' at offset 7. Not enough )'s.")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64", "HealthCheck": { "Steps": [ { "Send": "reboot", "Ssh": "uname" } ] } } } } }""",
        "lab.json: Lab:Classes:rpi4:HealthCheck:Steps:0: exactly one of Power, Send, Ssh, Deploy or Expect (Expect may go with Ssh)")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64", "HealthCheck": { "Every": "00:00:10", "Steps": [ { "Expect": "login:" } ] } } } } }""",
        "lab.json: Lab:Classes:rpi4:HealthCheck:Every: 00:00:10 is shorter than the shortest interval, 00:01:00")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64", "HealthCheck": { "MaxFailuresInRow": 0, "Steps": [ { "Expect": "login:" } ] } } } } }""",
        "lab.json: Lab:Classes:rpi4:HealthCheck:MaxFailuresInRow: 0 is not a number of failures (1 or more)")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64", "HealthCheck": { "Steps": [ { "Power": "cycle" } ] } } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Console": { "Driver": "simulated" } } ] } }""",
        "lab.json: Lab:Classes:rpi4:HealthCheck:Steps:0: board b1 has no power control for this step")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Console": { "Driver": "simulated" }, "HealthCheck": { "Steps": [ { "Expect": "login:", "Timeout": "02:00:00" } ] } } ] } }""",
        "lab.json: Lab:Boards:0:HealthCheck:Steps:0:Timeout: 02:00:00 is not between 00:00:00 and 01:00:00")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64" } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "HealthCheck": { "Steps": [ { "Ssh": "uname -r" } ] } } ] } }""",
        "lab.json: Lab:Boards:0:HealthCheck:Steps:0: board b1 has no Ssh for this step")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64", "HealthCheck": { "Steps": [ { "Deploy": { "kernel": "/nonexistent/good/vmlinuz" } } ] } } } } }""",
        "lab.json: Lab:Classes:rpi4:HealthCheck:Steps:0:Deploy:kernel: '/nonexistent/good/vmlinuz' is not a file on this host")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64", "HealthCheck": { "Steps": [ { "Deploy": { "kernel": "/bin/sh" }, "Expect": "login:" } ] } } } } }""",
        "lab.json: Lab:Classes:rpi4:HealthCheck:Steps:0:Expect: a separate step after Power, Send or Deploy")]
    [InlineData(
        """{ "Lab": { "Classes": { "rpi4": { "Arch": "arm64", "HealthCheck": { "Steps": [ { "Deploy": { "kernel": "/bin/sh" } } ] } } }, "Boards": [ { "Name": "b1", "Class": "rpi4", "Console": { "Driver": "simulated" } } ] } }""",
        "lab.json: Lab:Classes:rpi4:HealthCheck:Steps:0: board b1 has no deploy driver for this step")]
    public void BadLabConfigIsReportedWithFileKeyAndReason(string json, string expected)
    {
        var failures = Validate(json);

        Assert.Equal([expected], failures);
    }

    [Fact]
    public void EveryProblemIsReportedNotJustTheFirst()
    {
        var failures = Validate("""{ "Lab": { "Classes": { "rpi4": { } }, "Boards": [ { "Class": "rpi4" }, { "Name": "b2", "Class": "x" } ] } }""");

        Assert.Equal(
            ["lab.json: Lab:Classes:rpi4:Arch: required", "lab.json: Lab:Boards:0:Name: required", "lab.json: Lab:Boards:1:Class: unknown class 'x'; defined classes: rpi4"],
            failures);
    }

    private IEnumerable<string> Validate(string json)
    {
        File.WriteAllText(Path.Combine(_directory, "lab.json"), json);
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(_directory, "lab.json")).Build();
        var options = configuration.GetSection(LabOptions.Section).Get<LabOptions>() ?? new LabOptions();
        options.UseQemuSshPorts();
        using var services = new ServiceCollection().AddLogging().AddHardware().BuildServiceProvider();
        var validator = new LabOptionsValidator(services.GetRequiredService<DriverFactory>(), configuration);
        return validator.Validate(null, options).Failures ?? [];
    }
}
