namespace Portal.Artifacts;

public static class ArtifactServiceCollectionExtensions
{
    /// <summary>The content-addressed artifact store, its settings (<c>Artifacts</c>) and retention.</summary>
    public static IServiceCollection AddArtifacts(this IServiceCollection services)
    {
        services.AddOptions<ArtifactOptions>().BindConfiguration(ArtifactOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ArtifactStore>();
        services.AddHostedService<ArtifactRetention>();
        return services;
    }
}
