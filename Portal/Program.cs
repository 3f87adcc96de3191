using Portal.Access;
using Portal.Api;
using Portal.Artifacts;
using Portal.Cluster;
using Portal.Components;
using Portal.Components.Account;
using Portal.Consoles;
using Portal.Data;
using Portal.Deploys;
using Portal.Health;
using Portal.Identity;
using Portal.Lab;
using Portal.Observability;
using Portal.Reservations;
using Portal.Sandboxes;
using Portal.Web;
using Portal.Usage;
using Portal.Webhooks;

var builder = WebApplication.CreateBuilder(args);

// `dotnet run` serves MudBlazor's and Blazor's assets from the build manifest in every environment;
// a published app has no such manifest and this does nothing.
builder.WebHost.UseStaticWebAssets();

// Under systemd (deploy/portal.service): readiness is notified and logs go to the journal; elsewhere this does nothing.
builder.Host.UseSystemd();

// Start-up steps run in this order: migrations, roles and first admin, lab synchronisation, default access rules,
// reservation clock, console recorder, sandbox reconciler. The lab events' handlers start first and stop last.
builder.Services.AddLabEvents();
builder.AddPortalData();
builder.AddCluster();
builder.Services.AddPortalIdentity();
builder.Services.AddLab();
builder.Services.AddAccess();
builder.Services.AddReservations();
builder.Services.AddBoardHealth();
builder.Services.AddConsoles();
builder.Services.AddSandboxes();
builder.Services.AddArtifacts();
builder.Services.AddDeploys();
builder.Services.AddWebhooks();
builder.Services.AddUsage();
builder.Services.AddPortalApi();
builder.Services.AddPortalMetrics();
builder.Services.AddPortalUi();
builder.Services.AddWebSecurity();
builder.AddPortalHttps();

var app = builder.Build();

if (args is ["reset", ..])
{
    return await Portal.Maintenance.PortalReset.RunAsync(app.Services, args, Console.In, Console.Out);
}

app.UseHttpsOutsideLoopback();
app.UseWebSecurity();
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
    app.UseHsts();
}

// Explicitly here, not first as WebApplication would put them: plain HTTP is redirected and rate limits apply before
// anyone's credentials are looked up.
app.UseAuthentication();
app.UseAuthorization();
app.UsePortalApiErrors("/not-found");
app.UsePortalMetrics();
app.UseAntiforgery();
app.UseWebSockets();

app.MapStaticAssets();
app.MapPortalHealth();
app.MapPortalApiDocs();
app.MapPortalApi();
app.MapConsoleLogs();
app.MapSandboxLogs();
app.MapArtifactsApi();
app.MapArtifactDownloads();
app.MapDeploysApi();
app.MapUsageCsv();
// The Content-Security-Policy of UseWebSecurity says frame-ancestors already (none), instead of Blazor's own.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null);
app.MapAdditionalIdentityEndpoints();

await app.RunAsync();
return 0;

public partial class Program;
