using System.Security.Claims;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Components.Pages.Boards;
using Portal.Components.Shared;
using Portal.Data;
using Portal.Lab;
using Portal.Reservations;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

public sealed class BoardsPageTests : MudBunitContext
{
    private readonly TestReservations _lab = new();

    public BoardsPageTests()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("alice@lab.test");
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "alice"));
        Services.AddSingleton(_lab.Bus);
        Services.AddSingleton(_lab.Queries);
        Services.AddSingleton(_lab.Lifecycle);
        Services.AddSingleton(_lab.Queue);
        Services.AddSingleton<TimeProvider>(_lab.Clock);
        Services.AddScoped<ReservationCommands>();
        Services.AddSingleton(new ActorResolver(_lab.Database));
        Services.AddSingleton(new Portal.Access.AccessPolicy(_lab.Database, _lab.Bus));
    }

    protected override ValueTask DisposeAsyncCore()
    {
        _lab.Dispose();
        return base.DisposeAsyncCore();
    }

    [Fact]
    public async Task ListsEachClassWithItsFreeCountAndTheStateOfEachBoard()
    {
        await _lab.SeedAsync(["pine64-a64-lts/pine-01:usb=yes", "pine64-a64-lts/pine-02", "qemu-x86/qemu-01"], "alice");
        await using (var db = _lab.Database.CreateDbContext())
        {
            await db.Boards.Where(b => b.Name == "pine-02").ExecuteUpdateAsync(s => s.SetProperty(b => b.Condition, BoardCondition.Attention));
        }

        Services.AddSingleton(TestLab.Catalog(_lab.Database, _lab.Lab));

        var page = Render<BoardsPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-class]").Count));
        var pine = page.Find("[data-class='pine64-a64-lts']");
        Assert.Contains("arm64", pine.TextContent);
        Assert.Contains("1 / 2 free", pine.TextContent);
        Assert.Equal("free", page.Find("[data-board='pine-01'] [data-state]").GetAttribute("data-state"));
        Assert.Equal("attention", page.Find("[data-board='pine-02'] [data-state]").GetAttribute("data-state"));
        Assert.Contains("usb=yes", page.Find("[data-board='pine-01']").TextContent);
        Assert.Contains("1 / 1 free", page.Find("[data-class='qemu-x86']").TextContent);
    }

    [Fact]
    public async Task ReservingABoardShowsItReservedWithItsHolder()
    {
        await _lab.SeedAsync(["rpi4/rpi-1", "rpi4/rpi-2"], "alice");
        Services.AddSingleton(TestLab.Catalog(_lab.Database, _lab.Lab));
        var page = Render<BoardsPage>();
        page.WaitForAssertion(() => Assert.Contains("2 / 2 free", page.Markup));

        await page.Find("[data-board='rpi-2'] button").ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal("reserved", page.Find("[data-board='rpi-2'] [data-state]").GetAttribute("data-state")));
        Assert.Contains("alice@lab.test, 1h 00m left", page.Find("[data-board='rpi-2']").TextContent);
        Assert.Contains("1 / 2 free", page.Markup);
    }

    [Fact]
    public void AnEmptyLabSaysWhereBoardsAreDefined()
    {
        Services.AddSingleton(TestLab.Catalog(_lab.Database, new LabOptions()));

        var page = Render<BoardsPage>();

        page.WaitForAssertion(() => Assert.Contains("The lab has no board classes yet", page.Markup));
    }
}
