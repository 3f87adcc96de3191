using Microsoft.Extensions.Options;
using Portal.Hardware;
using Portal.Hardware.Qemu;

namespace Portal.Lab;

public static class LabServiceCollectionExtensions
{
    /// <summary>The lab: drivers, the validated Lab config, its synchronisation into the database, and the catalog pages read.</summary>
    public static IServiceCollection AddLab(this IServiceCollection services)
    {
        services.AddHardware();
        services.AddOptions<QemuLabOptions>().BindConfiguration(QemuLabOptions.Section)
            .PostConfigure<IHostEnvironment>((options, environment) => options.BaseDirectory = environment.ContentRootPath);
        services.AddOptions<LabOptions>().BindConfiguration(LabOptions.Section)
            .PostConfigure(options => options.UseQemuSshPorts())
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LabOptions>, LabOptionsValidator>();
        services.AddSingleton<LabSynchronizer>();
        services.AddSingleton<LabCatalog>();
        services.AddHostedService<LabSyncOnStart>();
        return services;
    }
}
