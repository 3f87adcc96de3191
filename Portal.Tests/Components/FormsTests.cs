using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Api;
using Portal.Components.Pages.Account;
using Portal.Components.Pages.Admin;
using Portal.Components.Shared;
using Portal.Data;
using Portal.Identity;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

/// <summary>Fields that enable a button, and the New user dialog's e-mail check, as a person typing meets them.</summary>
public sealed class FormsTests : MudBunitContext
{
    private readonly TestReservations _lab = new();

    public FormsTests()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("admin@lab.test");
        auth.SetRoles(Roles.Admin);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "admin"));
        Services.AddLogging();
        Services.AddScoped(_ => _lab.Database.CreateDbContext());
        Services.AddSingleton<IDbContextFactory<ApplicationDbContext>>(_lab.Database);
        Services.AddIdentityCore<ApplicationUser>().AddRoles<IdentityRole>().AddEntityFrameworkStores<ApplicationDbContext>();
        Services.AddSingleton<ActorResolver>();
        Services.AddSingleton<UserAdminService>();
        Services.AddSingleton(new Portal.Audit.AuditLog(_lab.Database, _lab.Clock));
        Services.AddSingleton(_lab.Bus);
        Services.AddSingleton<AccessTokenService>();
        Services.AddSingleton<TimeProvider>(_lab.Clock);
        Services.AddSingleton(_lab.Queries);
        Services.AddSingleton(_lab.Lifecycle);
        Services.AddSingleton(_lab.Queue);
        Services.AddScoped<ReservationCommands>();
    }

    protected override ValueTask DisposeAsyncCore()
    {
        _lab.Dispose();
        return base.DisposeAsyncCore();
    }

    [Fact]
    public async Task CreateTokenIsEnabledWhileTheNameIsTypedNotOnlyAfterTheFieldLosesFocus()
    {
        await _lab.SeedAsync([], "admin");
        var page = RenderWithProviders<TokensPage>();
        var create = () => page.FindAll("button").Single(b => b.TextContent.Trim() == "Create token");
        Assert.True(create().HasAttribute("disabled"));

        page.Find("input").Input("ci-runner-3");

        page.WaitForAssertion(() => Assert.False(create().HasAttribute("disabled")));
        // Found and clicked in one step on the renderer: a render in between would replace the button's handler.
        await page.InvokeAsync(() => create().Click());
        page.WaitForAssertion(() => Assert.Contains("Copy this token now", page.Markup));
        page.WaitForAssertion(() => Assert.Contains("ci-runner-3", page.Find("table").TextContent));
    }

    [Fact]
    public void AddGroupIsEnabledWhileTheGroupNameIsTyped()
    {
        var page = RenderWithProviders<UsersPage>();
        var add = () => page.FindAll("button").Single(b => b.TextContent.Trim() == "Add group");
        page.WaitForAssertion(() => Assert.True(add().HasAttribute("disabled")));

        page.FindAll("input").Single(i => i.Id == page.FindAll("label").Single(l => l.TextContent.Trim() == "New group").GetAttribute("for")).Input("lab-a");

        page.WaitForAssertion(() => Assert.False(add().HasAttribute("disabled")));
    }

    [Fact]
    public async Task TheNewUserDialogOpensWithoutAnErrorAndSaysHowAnEmailLooksOnceOneIsTyped()
    {
        var page = RenderWithProviders<UsersPage>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-table-loading")));
        // Found and clicked in one step on the renderer: a render in between would replace the button's handler.
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == "New user").Click());
        // The dialog opens once the page has read the groups it offers: at once on SQLite, a moment later on PostgreSQL.
        IRenderedComponent<UserDialog> dialog = null!;
        page.WaitForAssertion(() => dialog = page.FindComponent<UserDialog>());
        var email = () => dialog.Find("input[type=email]");

        page.WaitForAssertion(() => Assert.NotNull(email()));
        email().Blur();
        Assert.Empty(dialog.FindAll(".mud-input-error"));
        Assert.DoesNotContain("MudTextField", dialog.Markup);

        email().Input("ada");
        email().Blur();

        page.WaitForAssertion(() => Assert.Contains("Enter an e-mail address, e.g. ada@lab.example", dialog.Find(".mud-input-helper-text.mud-input-error, .mud-input-error").TextContent));
        Assert.DoesNotContain("Enter an initial password", dialog.Markup);
        dialog.FindAll("button").Single(b => b.TextContent.Trim() == "Save").Click();
        page.WaitForAssertion(() => Assert.Contains("Enter an initial password", dialog.Markup));

        email().Input("ada@lab.example");

        page.WaitForAssertion(() => Assert.DoesNotContain("Enter an e-mail address", dialog.Markup));
        Assert.DoesNotContain("MudTextField", dialog.Markup);
    }

    private IRenderedComponent<IComponent> RenderWithProviders<TPage>()
        where TPage : IComponent =>
        Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<MudSnackbarProvider>(2);
            builder.CloseComponent();
            builder.OpenComponent<TPage>(3);
            builder.CloseComponent();
        });
}
