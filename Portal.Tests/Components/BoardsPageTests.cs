using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Components.Pages.Boards;
using Portal.Data;
using Portal.Lab;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

public sealed class BoardsPageTests : MudBunitContext
{
    private readonly TestDatabase _database = new();

    protected override ValueTask DisposeAsyncCore()
    {
        _database.Dispose();
        return base.DisposeAsyncCore();
    }

    [Fact]
    public async Task ListsEachClassWithItsFreeCountAndTheStateOfEachBoard()
    {
        var lab = new LabOptions
        {
            Classes =
            {
                ["pine64-a64-lts"] = new BoardClassOptions { Arch = "arm64", Description = "Pine64 LTS" },
                ["qemu-x86"] = new BoardClassOptions { Arch = "x86_64" },
            },
            Boards =
            {
                new BoardOptions { Name = "pine-01", Class = "pine64-a64-lts", Tags = { ["usb"] = "yes" } },
                new BoardOptions { Name = "pine-02", Class = "pine64-a64-lts" },
                new BoardOptions { Name = "qemu-01", Class = "qemu-x86" },
            },
        };
        await new LabSynchronizer(_database, Options.Create(lab), TimeProvider.System, NullLogger<LabSynchronizer>.Instance).SyncAsync(CancellationToken.None);
        await using (var db = _database.CreateDbContext())
        {
            await db.Boards.Where(b => b.Name == "pine-02").ExecuteUpdateAsync(s => s.SetProperty(b => b.Condition, BoardCondition.Attention));
        }

        Services.AddSingleton(TestLab.Catalog(_database, lab));

        var page = Render<BoardsPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-class]").Count));
        var pine = page.Find("[data-class='pine64-a64-lts']");
        Assert.Contains("arm64", pine.TextContent);
        Assert.Contains("Pine64 LTS", pine.TextContent);
        Assert.Contains("1 / 2 free", pine.TextContent);
        Assert.Equal("free", page.Find("[data-board='pine-01'] [data-state]").GetAttribute("data-state"));
        Assert.Equal("attention", page.Find("[data-board='pine-02'] [data-state]").GetAttribute("data-state"));
        Assert.Contains("usb=yes", page.Find("[data-board='pine-01']").TextContent);
        Assert.Contains("1 / 1 free", page.Find("[data-class='qemu-x86']").TextContent);
    }

    [Fact]
    public void AnEmptyLabSaysWhereBoardsAreDefined()
    {
        Services.AddSingleton(TestLab.Catalog(_database, new LabOptions()));

        var page = Render<BoardsPage>();

        page.WaitForAssertion(() => Assert.Contains("The lab has no board classes yet", page.Markup));
    }
}
