using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
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

        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();

        // A body the API cannot bind is an exception the handler above turns into a problem detail naming the field,
        // not a bare 400; numbers must be JSON numbers ("NaN" and "Infinity" in strings are refused).
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        services.AddOpenApi(options => options.AddDocumentTransformer<BearerSecurityTransformer>());
        return services;
    }

    /// <summary>
    /// Errors under /api are problem details, never the HTML status pages; everything else gets those pages. Requests
    /// to /api larger than <see cref="ApiOptions.MaxRequestBodyBytes"/> are refused before they are read.
    /// </summary>
    public static IApplicationBuilder UsePortalApiErrors(this IApplicationBuilder app, string statusPage)
    {
        // The HTML pages stay outermost (re-executing needs the app's own routing); /api turns them off for itself.
        app.UseStatusCodePagesWithReExecute(statusPage, createScopeForStatusCodePages: true);
        app.UseWhen(IsApi, api => api
            .Use((context, next) =>
            {
                context.Features.Get<IStatusCodePagesFeature>()!.Enabled = false;
                return next(context);
            })
            .UseStatusCodePages()
            .UseMiddleware<ApiBodyLimit>());
        return app;
    }

    private static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api");

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
