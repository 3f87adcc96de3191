namespace Portal.Access;

public static class AccessServiceCollectionExtensions
{
    /// <summary>Access rules: the decision, the admin's rule editing, and the default rules of a first start.</summary>
    public static IServiceCollection AddAccess(this IServiceCollection services)
    {
        services.AddSingleton<AccessPolicy>();
        services.AddSingleton<AccessRuleService>();
        services.AddHostedService<DefaultRulesSeeder>();
        return services;
    }
}
