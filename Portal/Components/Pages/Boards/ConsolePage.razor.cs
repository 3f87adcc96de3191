using System.Text;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Access;
using Portal.Components.Shared;
using Portal.Consoles;
using Portal.Data;
using Portal.Lab;
using Portal.Sandboxes;

namespace Portal.Components.Pages.Boards;

/// <summary>
/// A board's console page: the serial console (watched by everyone with ConsoleRead, typed into by whoever may),
/// SSH and sandbox shell tabs, and the power panel. What the viewer may do is decided on the server, from the database,
/// whenever the board, its reservation, its sandbox, the rules or users, roles and groups change, and checked again on
/// every keystroke.
/// </summary>
public partial class ConsolePage
{
    private readonly ShellTabs _shellTabs = new();
    private Terminal? _terminal;
    private MudTabs? _tabs;
    private ConsoleWatcher? _watcher;
    private BoardSummary? _board;
    private Actor _viewer = default!;
    private bool _hasSerial;
    private bool _hasSsh;
    private bool _canRead;
    private bool _canWrite;
    private string? _readRefusal;
    private string? _writeRefusal;
    private string? _sshRefusal;
    private bool _loaded;
    private SandboxView? _sandbox;

    [Inject]
    private LabCatalog Catalog { get; set; } = default!;

    [Inject]
    private ConsoleAccess ConsoleRights { get; set; } = default!;

    [Inject]
    private ConsoleBroker Consoles { get; set; } = default!;

    [Inject]
    private SshTerminalService Ssh { get; set; } = default!;

    [Inject]
    private SandboxService Sandboxes { get; set; } = default!;

    [Inject]
    private ReservationCommands Commands { get; set; } = default!;

    [Parameter]
    public string Name { get; set; } = "";

    protected override async Task OnInitializedAsync()
    {
        _hasSerial = Consoles.HasConsole(Name);
        _hasSsh = Ssh.HasSsh(Name);
        await LoadAsync();
        _loaded = true;
    }

    protected override bool Concerns(LabEvent labEvent) => labEvent is not PowerChanged && labEvent.IsAboutBoard(Name);

    protected override async Task OnLabEventsAsync(LabEventBatch batch)
    {
        await LoadAsync();
        if (!_canRead && _watcher is not null)
        {
            // Losing ConsoleRead disconnects at once; the terminal goes with it.
            await _watcher.DisposeAsync();
            _watcher = null;
        }
    }

    // Decided on the server whenever the reservation, the rules or users, roles and groups change; every keystroke is
    // checked against the latest decision.
    private async Task LoadAsync()
    {
        _viewer = await ViewerAsync();
        _board = (await Catalog.GetBoardAsync(Name, CancellationToken.None))?.Board;
        if (_board is null)
        {
            return;
        }

        var rights = await ConsoleRights.DecideAsync(_viewer, Name, CancellationToken.None);
        (_canRead, _readRefusal) = (rights.Read.Permitted, rights.ReadRefusal);
        (_canWrite, _writeRefusal) = (rights.CanType, rights.TypeRefusal);
        _sshRefusal = _hasSsh ? await Ssh.RefusalAsync(_viewer, Name, CancellationToken.None) : "no SSH";
        // A sandbox tab is offered on a READY sandbox to its holder and admins; the service checks again when it opens.
        _sandbox = await Sandboxes.LatestForBoardAsync(Name, CancellationToken.None) is { Status: SandboxStatus.Ready } ready
            && _viewer.IsHolderOrAdmin(ready.UserId) ? ready : null;
    }

    private async Task StartWatchingAsync()
    {
        if (!_canRead)
        {
            return;
        }

        _watcher = Consoles.Watch(Name, data => _terminal!.WriteAsync(data));
        if (_canWrite)
        {
            await _terminal!.FocusAsync();
        }
    }

    // Checked on every keystroke, on the server: hiding the cursor in the browser is not a check.
    private async Task TypeAsync(string text)
    {
        if (_canWrite && _watcher is not null)
        {
            await _watcher.WriteAsync(Encoding.UTF8.GetBytes(text), CancellationToken.None);
        }
    }

    private void Acknowledge(int bytes) => _watcher?.Acknowledge(bytes);

    private async Task NewShellTabAsync(ShellKind kind)
    {
        var tab = _shellTabs.Open(kind, kind == ShellKind.Sandbox ? _sandbox?.Id : null);
        StateHasChanged();
        await Task.Yield();
        await _tabs!.ActivatePanelAsync((object)tab.Title);
    }

    private async Task<ShellOpening> OpenSshAsync(int columns, int rows, CancellationToken cancellationToken)
    {
        var opened = await Ssh.OpenAsync(_viewer, Name, columns, rows, cancellationToken);
        return new ShellOpening(opened.Session, opened.Notice);
    }

    private bool SshMayClose(LabEvent labEvent) =>
        labEvent is RulesChanged or UsersChanged || labEvent is ReservationChanged && labEvent.IsAboutBoard(Name);

    // Asks the database for the viewer's roles now: the event may be the one that took them away.
    private async Task<string?> SshClosingReasonAsync(LabEvent labEvent) =>
        await Ssh.ClosingReasonAsync(await Commands.ActorAsync(), Name, CancellationToken.None);

    private async Task<ShellOpening> OpenSandboxAsync(int sandboxId, int columns, int rows, CancellationToken cancellationToken) =>
        new(await Sandboxes.OpenShellAsync(_viewer, sandboxId, columns, rows, cancellationToken));

    private static bool SandboxMayClose(int sandboxId, LabEvent labEvent) =>
        labEvent is UsersChanged or RulesChanged || labEvent is SandboxChanged changed && changed.SandboxId == sandboxId;

    // The rule the sandbox service applies to opening a shell, for the viewer as the database has them now.
    private async Task<string?> SandboxClosingReasonAsync(int sandboxId, LabEvent labEvent) => labEvent switch
    {
        SandboxChanged { Status: not SandboxStatus.Ready } changed when changed.SandboxId == sandboxId => $"sandbox {changed.Status.ToString().ToUpperInvariant()}",
        UsersChanged or RulesChanged => await Sandboxes.GetAsync(sandboxId, CancellationToken.None) is { } sandbox
            && await Sandboxes.RefusalAsync(await Commands.ActorAsync(), sandbox.UserId, Name, CancellationToken.None) is { } refusal
                ? AccessRefusal.AsReason(refusal)
                : null,
        _ => null,
    };

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync();
        }
    }
}

public enum ShellKind
{
    Ssh,
    Sandbox,
}

/// <summary>A terminal tab beside the serial console; a sandbox tab stays with the sandbox it was opened on.</summary>
public sealed record ShellTab(string Title, ShellKind Kind, int? SandboxId);

/// <summary>The shell tabs of a console page, titled "SSH", "SSH 2"... in the order they were opened.</summary>
public sealed class ShellTabs : IEnumerable<ShellTab>
{
    private readonly List<ShellTab> _tabs = [];
    private readonly Dictionary<ShellKind, int> _opened = [];

    public ShellTab Open(ShellKind kind, int? sandboxId)
    {
        var count = _opened[kind] = _opened.GetValueOrDefault(kind) + 1;
        var name = kind == ShellKind.Ssh ? "SSH" : "Sandbox";
        var tab = new ShellTab(count == 1 ? name : $"{name} {count}", kind, sandboxId);
        _tabs.Add(tab);
        return tab;
    }

    public ShellTab? Find(object? panelId) => _tabs.FirstOrDefault(t => Equals(t.Title, panelId));

    public void Close(ShellTab tab) => _tabs.Remove(tab);

    public IEnumerator<ShellTab> GetEnumerator() => _tabs.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
