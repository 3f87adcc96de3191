using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Portal.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>Personal access tokens, the API's authentication and policy, problem details and the OpenAPI document.</summary>
    public static IServiceCollection AddPortalApi(this IServiceCollection services)
    {
        services.AddSingleton<AccessTokenService>();
        services.AddSingleton<LabBoards>();
        services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AccessTokenAuthenticationHandler>(AccessTokenAuthenticationHandler.SchemeName, null);

        // Only tokens open the API: a browser's cookie does not, so no other site can make a signed-in browser call it.
        services.AddAuthorizationBuilder().AddPolicy(ReservationsApi.Policy, policy => policy
            .AddAuthenticationSchemes(AccessTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser());

        services.AddProblemDetails();
        services.AddOpenApi(options => options.AddDocumentTransformer<BearerSecurityTransformer>());
        return services;
    }

    /// <summary>The OpenAPI document at /openapi/v1.json and a browsable reference at /scalar.</summary>
    public static IEndpointRouteBuilder MapPortalApiDocs(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi();
        endpoints.MapScalarApiReference();
        return endpoints;
    }

    /// <summary>Declares the bearer token in the document, so the reference UI offers a place to paste one.</summary>
    private sealed class BearerSecurityTransformer : IOpenApiDocumentTransformer
    {
        public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
        {
            document.Info.Title = "Portal API";
            document.Info.Description = "Reserve lab boards from scripts and CI. Authenticate with a personal access token from the Tokens page: `Authorization: Bearer ptl_...`.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A personal access token (ptl_...).",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] });
            return Task.CompletedTask;
        }
    }
}
