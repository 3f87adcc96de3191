using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Components.Account;
using Portal.Data;

namespace Portal.Identity;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>ASP.NET Core Identity with cookies and roles, the first admin, and user administration.</summary>
    public static IServiceCollection AddPortalIdentity(this IServiceCollection services)
    {
        services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.AddAuthorization();

        // A cookie is checked against the user's security stamp this often, as open pages are.
        services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<IOptions<SecurityOptions>>((stamp, security) => stamp.ValidationInterval = security.Value.RevalidationInterval);

        services.AddIdentityCore<ApplicationUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = false;
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = SecurityOptions.MinimumPasswordLength;

                // Identity's own lockout is per account, so anyone could keep anyone locked out; wrong passwords are
                // throttled per client and account by LoginThrottle instead, and lockout here only means "disabled".
                options.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ApplicationDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddHostedService<IdentitySeeder>();
        services.AddSingleton<ActorResolver>();
        services.AddSingleton<LoginThrottle>();
        services.AddScoped<PasswordLogin>();
        services.AddSingleton<UserAdminService>();
        services.AddSingleton<SshKeyService>();
        return services;
    }
}
