using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Hardware.Command;
using Portal.Hardware.Consoles;
using Portal.Hardware.Deploy;
using Portal.Hardware.Qemu;
using Portal.Hardware.Simulated;
using Portal.Hardware.Snmp;

namespace Portal.Hardware;

public static class HardwareServiceCollectionExtensions
{
    /// <summary>Registers the driver factory and every driver this library ships.</summary>
    public static IServiceCollection AddHardware(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SimulatedLab>();
        services.TryAddSingleton<DriverFactory>();
        services.AddOptions<QemuLabOptions>();
        services.TryAddSingleton<QemuLab>();
        services.AddHostedService<QemuLeftoverSweep>();

        services.AddPowerDriver<SimulatedPowerDriver>();
        services.AddPowerDriver<CommandPowerDriver>();
        services.AddPowerDriver<SnmpPowerDriver>();
        services.AddPowerDriver<QemuPowerDriver>();
        services.AddConsoleDriver<SimulatedConsole>();
        services.AddConsoleDriver<SerialConsole>();
        services.AddConsoleDriver<TcpConsole>();
        services.AddConsoleDriver<QemuConsole>();
        services.AddDeployDriver<QemuDeployDriver>();
        services.AddDeployDriver<TftpDeployDriver>();
        services.AddDeployDriver<CommandDeployDriver>();
        return services;
    }

    public static IServiceCollection AddPowerDriver<TDriver>(this IServiceCollection services)
        where TDriver : class, IPowerDriver, IDriver =>
        services.AddSingleton(DriverRegistration.For<TDriver>(DriverKind.Power));

    public static IServiceCollection AddDeployDriver<TDriver>(this IServiceCollection services)
        where TDriver : class, IDeployDriver, IDriver =>
        services.AddSingleton(DriverRegistration.For<TDriver>(DriverKind.Deploy));

    public static IServiceCollection AddConsoleDriver<TDriver>(this IServiceCollection services)
        where TDriver : class, IConsole, IDriver =>
        services.AddSingleton(DriverRegistration.For<TDriver>(DriverKind.Console));
}
