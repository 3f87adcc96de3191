using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Portal.Identity;
using Portal.Reservations;

namespace Portal.Components.Shared;

/// <summary>
/// What the reserve, extend and release buttons do on any page: call the service as the signed-in user
/// and say the outcome in a snackbar. One per circuit.
/// </summary>
public sealed class ReservationCommands(
    ReservationLifecycle lifecycle,
    ReservationQueue queue,
    AuthenticationStateProvider authentication,
    ActorResolver actors,
    IDialogService dialogs,
    ISnackbar snackbar)
{
    /// <summary>The signed-in user, with admin rights as the database says now (pages call this per action).</summary>
    public async Task<Actor> ActorAsync() => await actors.ResolveAsync((await authentication.GetAuthenticationStateAsync()).User, CancellationToken.None);

    public async Task ReserveBoardAsync(string board) =>
        Report(await lifecycle.ReserveBoardAsync(await ActorAsync(), board, null, CancellationToken.None), $"You hold {board}.");

    /// <summary>Asks for tag filters, lease and queueing in a dialog, then reserves any matching board of the class.</summary>
    public async Task ReserveClassAsync(string boardClass)
    {
        var dialog = await dialogs.ShowAsync<ReserveClassDialog>(
            $"Reserve any {boardClass}",
            new DialogParameters<ReserveClassDialog> { { d => d.BoardClass, boardClass } });
        if (await dialog.Result is not { Canceled: false, Data: ReserveClassDialog.Request request })
        {
            return;
        }

        var outcome = await queue.ReserveClassAsync(await ActorAsync(), boardClass, request.Tags, request.Lease, request.WaitInQueue, CancellationToken.None);
        if (outcome is { Reservation: null, Queued: { } queued, Error: null })
        {
            snackbar.Add($"No {boardClass} is free: you are number {queued.Position} in the queue.", Severity.Info);
            return;
        }

        Report(outcome, $"You hold {outcome.Reservation?.Board}.");
    }

    public async Task ExtendAsync(int reservationId) =>
        Report(await lifecycle.ExtendAsync(await ActorAsync(), reservationId, null, CancellationToken.None), "Lease extended.");

    public async Task ReleaseAsync(int reservationId) =>
        Report(await lifecycle.ReleaseAsync(await ActorAsync(), reservationId, CancellationToken.None), "Released.");

    public async Task CancelQueueEntryAsync(int entryId) =>
        Report(await queue.CancelQueueEntryAsync(await ActorAsync(), entryId, CancellationToken.None), "Left the queue.");

    public async Task ClearAttentionAsync(string board) =>
        Report(await lifecycle.ClearAttentionAsync(await ActorAsync(), board, CancellationToken.None), $"{board} is available again.");

    private void Report(ReservationOutcome outcome, string success)
    {
        if (outcome.Error is { } error)
        {
            snackbar.Add(error.Detail, Severity.Error);
        }
        else
        {
            snackbar.Add(success, Severity.Success);
        }
    }
}
