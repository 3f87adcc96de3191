using Portal.Access;
using Portal.Api;
using Portal.Components;
using Portal.Components.Account;
using Portal.Consoles;
using Portal.Data;
using Portal.Identity;
using Portal.Lab;
using Portal.Reservations;
using Portal.Sandboxes;

var builder = WebApplication.CreateBuilder(args);

// `dotnet run` serves MudBlazor's and Blazor's assets from the build manifest in every environment;
// a published app has no such manifest and this does nothing.
builder.WebHost.UseStaticWebAssets();

// Start-up steps run in this order: migrations, roles and first admin, lab synchronisation, default access rules,
// reservation clock, console recorder, sandbox reconciler. The lab events' handlers start first and stop last.
builder.Services.AddLabEvents();
builder.AddPortalData();
builder.Services.AddPortalIdentity();
builder.Services.AddLab();
builder.Services.AddAccess();
builder.Services.AddReservations();
builder.Services.AddConsoles();
builder.Services.AddSandboxes();
builder.Services.AddPortalApi();
builder.Services.AddPortalUi();

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
    app.UseHsts();
}

app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseAntiforgery();
app.UseWebSockets();

app.MapStaticAssets();
app.MapHealthChecks("/healthz");
app.MapPortalApiDocs();
app.MapPortalApi();
app.MapConsoleLogs();
app.MapSandboxLogs();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapAdditionalIdentityEndpoints();

app.Run();

public partial class Program;
