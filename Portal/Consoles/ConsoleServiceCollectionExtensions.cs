namespace Portal.Consoles;

public static class ConsoleServiceCollectionExtensions
{
    /// <summary>The console broker and power control of boards.</summary>
    public static IServiceCollection AddConsoles(this IServiceCollection services)
    {
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ConsoleBroker>();
        services.AddSingleton<PowerService>();
        return services;
    }
}
