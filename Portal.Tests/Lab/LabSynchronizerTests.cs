using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Lab;
using Portal.Tests.Support;

namespace Portal.Tests.Lab;

public sealed class LabSynchronizerTests : IDisposable
{
    private readonly TestDatabase _database = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task FirstSyncAddsEveryClassAndBoard()
    {
        var result = await SyncAsync(Lab(("rpi-1", "rpi4"), ("rpi-2", "rpi4"), ("pine-1", "pine64")));

        Assert.Equal(new LabSyncResult(Added: 5, Updated: 0, Retired: 0), result);
        await using var db = _database.CreateDbContext();
        Assert.Equal(["pine-1", "rpi-1", "rpi-2"], await db.Boards.OrderBy(b => b.Name).Select(b => b.Name).ToListAsync());
    }

    [Fact]
    public async Task BoardThatLeftTheConfigIsRetiredAndKept()
    {
        await SyncAsync(Lab(("rpi-1", "rpi4"), ("rpi-2", "rpi4")));
        _clock.Advance(TimeSpan.FromHours(1));

        var result = await SyncAsync(Lab(("rpi-1", "rpi4")));

        Assert.Equal(new LabSyncResult(Added: 0, Updated: 0, Retired: 1), result);
        await using var db = _database.CreateDbContext();
        var retired = await db.Boards.SingleAsync(b => b.Name == "rpi-2");
        Assert.Equal(_clock.GetUtcNow().UtcDateTime, retired.RetiredAt);
        var classes = await Catalog().GetClassesAsync(CancellationToken.None);
        Assert.Equal(["rpi-1"], classes.Single().Boards.Select(b => b.Name));
    }

    [Fact]
    public async Task BoardThatComesBackKeepsItsIdentity()
    {
        await SyncAsync(Lab(("rpi-1", "rpi4")));
        int originalId;
        await using (var db = _database.CreateDbContext())
        {
            originalId = (await db.Boards.SingleAsync()).Id;
        }

        await SyncAsync(Lab());
        await SyncAsync(Lab(("rpi-1", "rpi4")));

        await using var after = _database.CreateDbContext();
        var board = await after.Boards.SingleAsync();
        Assert.Equal(originalId, board.Id);
        Assert.Null(board.RetiredAt);
    }

    [Fact]
    public async Task ChangedTagsAndClassAreUpdated()
    {
        await SyncAsync(Lab(("b-1", "rpi4")));
        var changed = Lab(("b-1", "pine64"));
        changed.Boards[0].Tags["usb"] = "yes";

        var result = await SyncAsync(changed);

        Assert.Equal(1, result.Updated);
        var board = await Catalog(changed).GetBoardAsync("b-1", CancellationToken.None);
        Assert.NotNull(board);
        Assert.Equal("pine64", board.Board.ClassName);
        Assert.Equal("yes", board.Board.Tags["usb"]);
    }

    private Task<LabSyncResult> SyncAsync(LabOptions lab) =>
        new LabSynchronizer(_database, Options.Create(lab), TestLab.Drivers(), _clock, NullLogger<LabSynchronizer>.Instance).SyncAsync(CancellationToken.None);

    private LabCatalog Catalog(LabOptions? lab = null) => TestLab.Catalog(_database, lab ?? new LabOptions());

    private static LabOptions Lab(params (string Board, string Class)[] boards)
    {
        var lab = new LabOptions();
        foreach (var cls in boards.Select(b => b.Class).Append("rpi4").Distinct())
        {
            lab.Classes[cls] = new BoardClassOptions { Arch = "arm64" };
        }

        lab.Boards.AddRange(boards.Select(b => new BoardOptions { Name = b.Board, Class = b.Class }));
        return lab;
    }
}
