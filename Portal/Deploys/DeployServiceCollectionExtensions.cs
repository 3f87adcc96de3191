namespace Portal.Deploys;

public static class DeployServiceCollectionExtensions
{
    /// <summary>Deploying artifacts to boards through their deploy drivers, and booting them.</summary>
    public static IServiceCollection AddDeploys(this IServiceCollection services) => services.AddSingleton<DeployService>();
}
