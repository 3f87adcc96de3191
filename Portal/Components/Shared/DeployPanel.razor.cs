using System.Threading.Channels;
using Microsoft.AspNetCore.Components;
using Portal.Artifacts;
using Portal.Deploys;
using Portal.Identity;
using Portal.Lab;

namespace Portal.Components.Shared;

public sealed partial class DeployPanel
{
    private readonly Dictionary<string, int?> _picked = new(StringComparer.Ordinal);
    private readonly List<string> _output = [];
    private IReadOnlyList<string>? _slots;
    private IReadOnlyList<ArtifactView> _artifacts = [];
    private IReadOnlyList<DeploymentView> _history = [];
    private string? _refusal;
    private string? _append;
    private string? _error;
    private bool _busy;

    [Parameter, EditorRequired]
    public BoardSummary Board { get; set; } = default!;

    [Parameter, EditorRequired]
    public Actor Viewer { get; set; } = default!;

    [Inject]
    private DeployService Deploys { get; set; } = default!;

    [Inject]
    private ArtifactStore Store { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        _slots = Deploys.SlotsOf(Board.Name);
        if (_slots is null)
        {
            return;
        }

        _refusal = await Deploys.MayDeployAsync(Viewer, Board.Name, Board.Holder, CancellationToken.None);
        _artifacts = _refusal is not null
            ? []
            : (await Store.ListAsync(CancellationToken.None)).Where(a => a.UploaderId == Viewer.UserId || Viewer.IsAdmin).ToList();
        await LoadHistoryAsync();
    }

    private async Task LoadHistoryAsync() =>
        _history = _refusal is null && Board.Holder is { } holder ? await Deploys.ListAsync(holder.ReservationId, null, CancellationToken.None) : [];

    // Deploy & boot ends on the console page, which replays the boot from the console's scrollback and goes on live.
    private async Task DeployAsync(bool boot)
    {
        (_busy, _error) = (true, null);
        _output.Clear();
        var order = new DeployOrder(
            _picked.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.Value),
            string.IsNullOrWhiteSpace(_append) ? null : _append.Trim(),
            boot);

        // The driver's lines may come from any thread; they are drawn here, on the circuit, as they arrive.
        var lines = Channel.CreateUnbounded<string>();
        async Task<DeployResult> RunAsync()
        {
            try
            {
                return await Deploys.DeployAsync(Viewer, Board.Name, order, line => lines.Writer.TryWrite(line), CancellationToken.None);
            }
            finally
            {
                lines.Writer.Complete();
            }
        }

        var running = RunAsync();
        await foreach (var line in lines.Reader.ReadAllAsync())
        {
            _output.Add(line);
            StateHasChanged();
        }

        var result = await running;
        (_busy, _error) = (false, result.Error?.Message);
        await LoadHistoryAsync();
        if (boot && result.Error is null)
        {
            Navigation.NavigateTo($"boards/{Uri.EscapeDataString(Board.Name)}/console");
        }
    }
}
