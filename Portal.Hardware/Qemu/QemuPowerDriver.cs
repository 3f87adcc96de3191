using Microsoft.Extensions.DependencyInjection;

namespace Portal.Hardware.Qemu;

/// <summary>
/// Power of a QEMU board through its QMP socket: on starts QEMU (owned by the portal), off quits it, cycle resets
/// it, the state comes from <c>query-status</c>. Settings: see <see cref="QemuSettings"/>.
/// </summary>
public sealed class QemuPowerDriver(BoardDriverContext context, QemuLab lab) : IPowerDriver, IPowerLossReporter, IDriver
{
    private readonly QemuMachine _machine = lab.Machine(context.BoardName);

    public static string Name => "qemu";

    public static IReadOnlyList<string> RequiredSettings => [];

    public static IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec) => QemuSettings.Validate(spec);

    public static string? CheckHost(DriverSpec spec, IServiceProvider services) =>
        services.GetRequiredService<QemuLab>().Settings(spec).CheckHost();

    private QemuSettings Settings => lab.Settings(context.Spec);

    public string? LastLoss => _machine.LastLoss;

    public event Action? PowerLost
    {
        add => _machine.PowerLost += value;
        remove => _machine.PowerLost -= value;
    }

    public Task PowerOnAsync(CancellationToken cancellationToken) => _machine.StartAsync(Settings, cancellationToken);

    public Task PowerOffAsync(CancellationToken cancellationToken) => _machine.StopAsync(cancellationToken);

    public Task CycleAsync(CancellationToken cancellationToken) => _machine.CycleAsync(Settings, cancellationToken);

    public Task<PowerState> GetStateAsync(CancellationToken cancellationToken) => _machine.GetStateAsync(cancellationToken);
}
