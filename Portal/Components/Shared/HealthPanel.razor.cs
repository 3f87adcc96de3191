using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Data;
using Portal.Health;
using Portal.Identity;
using Portal.Reservations;

namespace Portal.Components.Shared;

public partial class HealthPanel
{
    private BoardHealthView? _health;
    private string? _comment;
    private bool _busy;

    [Inject]
    private BoardHealthService Health { get; set; } = default!;

    [Inject]
    private ReservationCommands Commands { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Parameter, EditorRequired]
    public string Board { get; set; } = "";

    [Parameter, EditorRequired]
    public Actor Viewer { get; set; } = default!;

    protected override Task OnParametersSetAsync() => LoadAsync();

    protected override bool Concerns(LabEvent labEvent) => labEvent is BoardChanged or ReservationChanged && labEvent.IsAboutBoard(Board);

    protected override Task OnLabEventsAsync(LabEventBatch batch) => LoadAsync();

    private async Task LoadAsync()
    {
        var board = Board;
        _health = await SharedReadAsync($"health:{board}", cancellationToken => Health.GetAsync(board, cancellationToken));
    }

    private static Color ColorOf(BoardHealth health) => health switch
    {
        BoardHealth.Good => Color.Success,
        BoardHealth.Bad => Color.Error,
        _ => Color.Default,
    };

    private Task RunCheckAsync() => ActAsync(
        actor => Health.RequestCheckAsync(actor, Board, CancellationToken.None),
        $"A health check of {Board} runs as soon as the board is free.");

    private Task ClearAsync() => ActAsync(actor => Health.ClearAsync(actor, Board, CancellationToken.None), $"{Board} is back in the pool.");

    private Task EndMaintenanceAsync() => ActAsync(actor => Health.EndMaintenanceAsync(actor, Board, CancellationToken.None), $"{Board} is back from maintenance.");

    private async Task SetMaintenanceAsync()
    {
        await ActAsync(actor => Health.SetMaintenanceAsync(actor, Board, _comment, CancellationToken.None), $"{Board} is in maintenance.");
        if (_health?.Health == BoardHealth.Maintenance)
        {
            _comment = null;
        }
    }

    // Who acts is read again per click: a demoted admin's page refuses on the server.
    private async Task ActAsync(Func<Actor, Task<ReservationError?>> action, string success)
    {
        _busy = true;
        try
        {
            if (await action(await Commands.ActorAsync()) is { } error)
            {
                Snackbar.Add(error.Detail, Severity.Error);
            }
            else
            {
                Snackbar.Add(success, Severity.Success);
                await LoadAsync();
            }
        }
        finally
        {
            _busy = false;
        }
    }
}
