using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using Portal.Access;
using Portal.Audit;
using Portal.Components.Pages.Admin;
using Portal.Components.Shared;
using Portal.Data;
using Portal.Identity;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

public sealed class AccessRulesPageTests : MudBunitContext
{
    private readonly TestReservations _lab = new();

    public AccessRulesPageTests()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("admin@lab.test");
        auth.SetRoles(Roles.Admin);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "admin"));
        Services.AddLogging();
        Services.AddScoped(_ => _lab.Database.CreateDbContext());
        Services.AddIdentityCore<ApplicationUser>().AddRoles<IdentityRole>().AddEntityFrameworkStores<ApplicationDbContext>();
        Services.AddSingleton<UserAdminService>();
        Services.AddSingleton(new ActorResolver(_lab.Database));
        Services.AddSingleton(new AuditLog(_lab.Database, _lab.Clock));
        Services.AddSingleton(_lab.Bus);
        Services.AddSingleton(_lab.Queries);
        Services.AddSingleton(_lab.Lifecycle);
        Services.AddSingleton(_lab.Queue);
        Services.AddSingleton<TimeProvider>(_lab.Clock);
        Services.AddSingleton(new AccessRuleService(_lab.Database, new AccessPolicy(_lab.Database, _lab.Bus), new ActorResolver(_lab.Database), new AuditLog(_lab.Database, _lab.Clock), _lab.Bus, NullLogger<AccessRuleService>.Instance));
        Services.AddScoped<ReservationCommands>();
        Services.AddSingleton(TestLab.Catalog(_lab.Database, _lab.Lab));
    }

    protected override ValueTask DisposeAsyncCore()
    {
        _lab.Dispose();
        return base.DisposeAsyncCore();
    }

    [Fact]
    public async Task ListsTheRulesAndTheCheckToolShowsTheDecidingRule()
    {
        await SeedAsync();
        var page = RenderPage();

        page.WaitForAssertion(() => Assert.Contains("everyone (*)", page.Find("table").TextContent));
        var users = Services.GetRequiredService<UserAdminService>();
        var alice = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == "alice@lab.test");
        await page.InvokeAsync(() => page.FindComponent<MudSelect<UserRow>>().Instance.ValueChanged.InvokeAsync(alice));
        await page.InvokeAsync(() => page.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Board").Instance.ValueChanged.InvokeAsync("rpi-1"));
        await page.InvokeAsync(() => page.Find("[data-panel='check-access'] button:not([aria-label])").ClickAsync(new()));

        page.WaitForAssertion(() => Assert.Equal("permit", page.Find("[data-decision]").GetAttribute("data-decision")));
        Assert.Contains("Permit: #1 Permit Instantiate to everyone (*) on all boards", page.Find("[data-decision]").TextContent);
    }

    // Each button is found and clicked in one step on the renderer: the page renders again as its reads answer (later
    // on PostgreSQL), and a button found before such a render has lost its handler by the click.
    [Fact]
    public async Task AddsEditsAndDeletesRules()
    {
        await SeedAsync();
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("tbody tr")));

        // Add: deny ConsoleWrite to alice on rpi-1.
        // The page's handler waits for the dialog's answer, so the click completes only after Save.
        var adding = page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Contains("Add rule")).ClickAsync(new()));
        var dialog = OpenedDialog(page, editing: null);
        await dialog.InvokeAsync(() => dialog.FindComponent<MudSelect<RuleEffect>>().Instance.ValueChanged.InvokeAsync(RuleEffect.Deny));
        await dialog.InvokeAsync(() => dialog.FindComponent<MudSelect<Capability>>().Instance.ValueChanged.InvokeAsync(Capability.ConsoleWrite));
        await dialog.InvokeAsync(() => dialog.FindComponent<MudSelect<SubjectKind>>().Instance.ValueChanged.InvokeAsync(SubjectKind.User));
        await dialog.InvokeAsync(() => dialog.FindComponent<MudSelect<TargetKind>>().Instance.ValueChanged.InvokeAsync(TargetKind.Board));
        await dialog.InvokeAsync(() => dialog.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "User").Instance.ValueChanged.InvokeAsync("alice@lab.test"));
        await dialog.InvokeAsync(() => dialog.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Board").Instance.ValueChanged.InvokeAsync("rpi-1"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == "Save").ClickAsync(new()));
        await adding;
        page.WaitForAssertion(() => Assert.Contains("user alice@lab.test", page.Find("table").TextContent));
        Assert.Contains("board rpi-1", page.Find("table").TextContent);

        // Edit: the same rule, now for class rpi4.
        var editing = page.InvokeAsync(() => page.Find("button[aria-label='Edit rule 2']").ClickAsync(new()));
        dialog = OpenedDialog(page, editing: 2);
        await dialog.InvokeAsync(() => dialog.FindComponent<MudSelect<TargetKind>>().Instance.ValueChanged.InvokeAsync(TargetKind.Class));
        await dialog.InvokeAsync(() => dialog.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Class").Instance.ValueChanged.InvokeAsync("rpi4"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == "Save").ClickAsync(new()));
        await editing;
        page.WaitForAssertion(() => Assert.Contains("class rpi4", page.Find("table").TextContent));

        // Delete, after confirming.
        var deleting = page.InvokeAsync(() => page.Find("button[aria-label='Delete rule 2']").ClickAsync(new()));
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("button"), b => b.TextContent.Trim() == "Delete"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").ClickAsync(new()));
        await deleting;
        page.WaitForAssertion(() => Assert.DoesNotContain("alice@lab.test", page.Find("table").TextContent));

        var audit = await new AuditLog(_lab.Database, _lab.Clock).ListAsync(null, 10, CancellationToken.None);
        Assert.Equal(["rule-delete", "rule-edit", "rule-add"], audit.Select(a => a.Action));
        Assert.Equal("#2 before: Deny ConsoleWrite to user alice@lab.test on board rpi-1; after: Deny ConsoleWrite to user alice@lab.test on class rpi4", audit[1].Details);
    }

    // The dialog for a new rule, or for rule <paramref name="editing"/>: it appears a render after the click, and the last
    // one may not have left the render tree yet.
    [Fact]
    public async Task TheDialogOffersAUserAddedAfterThePageOpened()
    {
        await SeedAsync();
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("tbody tr")));
        await using (var scope = Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.CreateAsync(new ApplicationUser { UserName = "carol@lab.test", Email = "carol@lab.test" }, "Carol-Pass-1")).Succeeded);
        }

        var adding = page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Contains("Add rule")).ClickAsync(new()));
        var dialog = OpenedDialog(page, editing: null);
        await dialog.InvokeAsync(() => dialog.FindComponent<MudSelect<SubjectKind>>().Instance.ValueChanged.InvokeAsync(SubjectKind.User));

        dialog.WaitForAssertion(() => Assert.Equal(
            ["admin@lab.test", "alice@lab.test", "carol@lab.test"],
            dialog.FindComponents<MudSelectItem<string>>().Select(i => i.Instance.Value).Distinct().Order()));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").ClickAsync(new()));
        await adding;
    }

    private static IRenderedComponent<RuleDialog> OpenedDialog(IRenderedComponent<Microsoft.AspNetCore.Components.IComponent> page, int? editing)
    {
        IRenderedComponent<RuleDialog> dialog = null!;
        page.WaitForAssertion(() => dialog = page.FindComponents<RuleDialog>().Single(d => d.Instance.Existing?.Id == editing));
        return dialog;
    }

    private async Task SeedAsync()
    {
        await _lab.SeedAsync(["rpi4/rpi-1", "rpi4/rpi-2"]);
        await using (var scope = Services.CreateAsyncScope())
        {
            var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            foreach (var role in Roles.All)
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        // The signed-in admin exists in the database too: admin rights are read from there.
        await using var identityScope = Services.CreateAsyncScope();
        var users = identityScope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var admin = new ApplicationUser { Id = "admin", UserName = "admin@lab.test", Email = "admin@lab.test" };
        Assert.True((await users.CreateAsync(admin, "Admin-Pass-123")).Succeeded);
        Assert.True((await users.AddToRoleAsync(admin, Roles.Admin)).Succeeded);
        Assert.True((await users.CreateAsync(new ApplicationUser { UserName = "alice@lab.test", Email = "alice@lab.test" }, "Alice-Pass-1")).Succeeded);
    }

    private IRenderedComponent<Microsoft.AspNetCore.Components.IComponent> RenderPage() =>
        Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<AccessRulesPage>(2);
            builder.CloseComponent();
        });
}
