using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Hardware;
using Portal.Hardware.Qemu;
using Portal.Tests.Support;

namespace Portal.Tests.Hardware;

/// <summary>The qemu power and console drivers against a real QEMU under TCG booting a kernel and busybox initramfs.</summary>
// IAsyncLifetime, not IAsyncDisposable: xunit 2 does not dispose a test class asynchronously, and the machines a test
// left on (the break and kill tests) went on running after the test run.
public sealed class QemuDriverTests : IAsyncLifetime
{
    private static readonly TimeSpan BootBound = TimeSpan.FromSeconds(60);
    private readonly string _state = Directory.CreateTempSubdirectory("portal-qemu-").FullName;
    private readonly QemuLab _lab;

    public QemuDriverTests() => _lab = NewLab();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _lab.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    [QemuFact]
    public async Task PowerOnBootsTheKernelOnTheConsoleWhichTakesInputAndCycleAndOffWork()
    {
        var image = await QemuImage.GetAsync();
        var (power, console) = Board("vm-1", image);
        await using var stream = await console.OpenAsync(CancellationToken.None);
        var reader = new ConsoleReader(stream);
        Assert.Equal(PowerState.Off, await power.GetStateAsync(CancellationToken.None));

        await power.PowerOnAsync(CancellationToken.None);
        await reader.WaitForAsync(image.Marker, BootBound);
        Assert.Equal(PowerState.On, await power.GetStateAsync(CancellationToken.None));
        Assert.Contains("Linux version", reader.Seen, StringComparison.Ordinal);

        // Typed only once the shell is there: a shell that starts sets up the terminal and drops what was typed before.
        await reader.WaitForAsync("~ # ", reader.Seen.IndexOf(image.Marker, StringComparison.Ordinal), BootBound);
        await reader.TypeAsync("echo typed-$((40+2))\r");
        await reader.WaitForAsync("typed-42", BootBound);

        var beforeCycle = reader.Seen.Length;
        await power.CycleAsync(CancellationToken.None);
        await reader.WaitForAsync(image.Marker, beforeCycle, BootBound);
        Assert.Equal(PowerState.On, await power.GetStateAsync(CancellationToken.None));

        await power.PowerOffAsync(CancellationToken.None);
        Assert.Equal(PowerState.Off, await power.GetStateAsync(CancellationToken.None));
        Assert.Null(((IPowerLossReporter)power).LastLoss);
        Assert.False(File.Exists(Path.Combine(_state, "vm-1", "qemu.pid")), "QEMU removes its pid file when it quits");
    }

    [QemuFact]
    public async Task ABreakReachesTheGuestsSerialPortAsAMagicSysRq()
    {
        var image = await QemuImage.GetAsync();
        var (power, console) = Board("vm-break", image);
        await using var stream = await console.OpenAsync(CancellationToken.None);
        var reader = new ConsoleReader(stream);
        await power.PowerOnAsync(CancellationToken.None);
        await reader.WaitForAsync("~ # ", BootBound);

        // A break followed by a key is SysRq + that key for a Linux serial console; h prints the SysRq help.
        await ((IBreakableConsole)console).SendBreakAsync(stream, CancellationToken.None);
        await reader.TypeAsync("h");
        await reader.WaitForAsync("sysrq: HELP", BootBound);
    }

    [QemuFact]
    public async Task AQemuKilledFromOutsideShowsOffWithTheReasonAndIsAnnounced()
    {
        var image = await QemuImage.GetAsync();
        var (power, _) = Board("vm-kill", image);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reporter = (IPowerLossReporter)power;
        reporter.PowerLost += () => lost.TrySetResult();
        await power.PowerOnAsync(CancellationToken.None);

        using (var qemu = Process.GetProcessById(PidOf("vm-kill")))
        {
            qemu.Kill();
        }

        await lost.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(PowerState.Off, await power.GetStateAsync(CancellationToken.None));
        Assert.Equal("qemu-system-x86_64 for vm-kill was killed (signal 9)", reporter.LastLoss);

        await power.PowerOnAsync(CancellationToken.None);
        Assert.Equal(PowerState.On, await power.GetStateAsync(CancellationToken.None));
        Assert.Null(reporter.LastLoss);
    }

    [QemuFact]
    public async Task AQemuLeftByAPortalThatDiedIsKilledByTheNextOne()
    {
        var image = await QemuImage.GetAsync();
        var (power, _) = Board("vm-left", image);
        await power.PowerOnAsync(CancellationToken.None);
        var pid = PidOf("vm-left");

        // The next portal process: a new lab on the same state folder, as after kill -9 and a restart.
        await using var next = NewLab();
        Assert.Equal(1, next.KillLeftovers());
        Assert.False(IsAlive(pid), $"QEMU {pid} still runs");
        Assert.Equal(PowerState.Off, await power.GetStateAsync(CancellationToken.None));
    }

    [Fact]
    public void AMissingBinaryOrKernelIsOneSentenceAndBadSettingsAreNamed()
    {
        var missingBinary = _lab.Settings(Spec(("Binary", "/nonexistent/qemu-system-x86_64"))).CheckHost();
        Assert.Equal("/nonexistent/qemu-system-x86_64 not found: apt-get install qemu-system-x86", missingBinary);
        Assert.Equal("qemu-system-aarch64-missing not found: apt-get install qemu-system", _lab.Settings(Spec(("Binary", "qemu-system-aarch64-missing"))).CheckHost());

        var missingKernel = _lab.Settings(Spec(("Kernel", "/nonexistent/vmlinuz"))).CheckHost();
        if (QemuImage.Available)
        {
            Assert.Equal("kernel /nonexistent/vmlinuz not found", missingKernel);
        }

        var errors = QemuSettings.Validate(Spec(("Accel", "hvf"), ("MemoryMegabytes", "8"), ("SshPort", "70000"), ("Binary", "bash"), ("Initrd", "x"))).ToList();
        Assert.Equal(["MemoryMegabytes", "Accel", "SshPort", "Binary", "Initrd"], errors.Select(e => e.Key));
        Assert.Contains("'hvf' is not tcg or kvm", errors.Select(e => e.Reason));
    }

    private (IPowerDriver Power, IConsole Console) Board(string name, QemuImage image)
    {
        var context = new BoardDriverContext(name, Spec(("Kernel", image.Kernel), ("Initrd", image.Initrd), ("Append", "console=ttyS0")));
        return (new QemuPowerDriver(context, _lab), new QemuConsole(new BoardDriverContext(name, Spec()), _lab));
    }

    private QemuLab NewLab() =>
        new(Options.Create(new QemuLabOptions { StateDirectory = _state, BaseDirectory = _state }), TimeProvider.System, NullLoggerFactory.Instance);

    private int PidOf(string board) => int.Parse(File.ReadAllText(Path.Combine(_state, board, "qemu.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Length > 0;

    private static DriverSpec Spec(params (string Key, string Value)[] settings) =>
        new("qemu", settings.ToDictionary(s => s.Key, s => (string?)s.Value, StringComparer.OrdinalIgnoreCase));
}
