using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Data;
using Portal.Reservations;

namespace Portal.Components.Shared;

/// <summary>
/// Warns the holder before a lease runs out, while there is time to extend it: one timer per warning of each held
/// reservation, set again whenever their reservations change (an extension moves the end, so the warnings move too).
/// </summary>
public partial class LeaseEndingNotifier
{
    /// <summary>How long before the end each warning comes.</summary>
    public static readonly TimeSpan[] Warnings = [TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1)];

    private readonly List<ITimer> _timers = [];
    private readonly HashSet<(int Reservation, DateTime EndsAt, TimeSpan Warning)> _shown = [];
    private string? _userId;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private ReservationCommands Commands { get; set; } = default!;

    [Inject]
    private ReservationQueries Reservations { get; set; } = default!;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    [Inject]
    private ILogger<LeaseEndingNotifier> Logger { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _userId = (await Commands.ActorAsync()).UserId;
        await ScheduleAsync();
    }

    protected override bool Concerns(LabEvent labEvent) => labEvent is ReservationChanged changed && changed.UserId == _userId;

    protected override Task OnLabEventsAsync(LabEventBatch batch) => ScheduleAsync();

    private async Task ScheduleAsync()
    {
        var held = (await Reservations.ListAsync(new ReservationFilter(UserId: _userId, ActiveOnly: true), Lifetime)).Where(r => r.State.IsHeld()).ToList();
        StopTimers();
        var now = Clock.GetUtcNow().UtcDateTime;
        foreach (var reservation in held)
        {
            foreach (var warning in Warnings)
            {
                var due = reservation.ExpiresAt - warning - now;
                if (due > TimeSpan.Zero && !_shown.Contains((reservation.Id, reservation.ExpiresAt, warning)))
                {
                    var (id, board, endsAt) = (reservation.Id, reservation.Board, reservation.ExpiresAt);
                    _timers.Add(Clock.CreateTimer(_ => OnDue(id, board, endsAt, warning), null, due, Timeout.InfiniteTimeSpan));
                }
            }
        }
    }

    // On the timer's thread: the warning is shown on the circuit's, and a failure there is logged, not lost.
    private void OnDue(int reservationId, string board, DateTime endsAt, TimeSpan warning) =>
        InvokeAsync(() => Warn(reservationId, board, endsAt, warning)).ContinueWith(
            shown => Logger.LogError(shown.Exception, "Lease warning for reservation {ReservationId} failed", reservationId),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private void Warn(int reservationId, string board, DateTime endsAt, TimeSpan warning)
    {
        if (Lifetime.IsCancellationRequested || !_shown.Add((reservationId, endsAt, warning)))
        {
            return;
        }

        var left = warning.TotalMinutes == 1 ? "1 minute" : $"{warning.TotalMinutes:0} minutes";
        Snackbar.Add($"Your lease of {board} ends in {left}.", Severity.Warning, options =>
        {
            options.RequireInteraction = true;
            options.Action = "Extend";
            options.ActionColor = Color.Warning;
            options.OnClick = _ => Commands.ExtendAsync(reservationId);
        });
    }

    private void StopTimers()
    {
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }

        _timers.Clear();
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        StopTimers();
    }
}
