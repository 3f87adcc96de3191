using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Audit;
using Portal.Components.Shared;
using Portal.Events;
using Portal.Reservations;

namespace Portal.Components.Pages.Admin;

/// <summary>
/// All reservations and the audit log as tables paged, sorted and filtered by the database (they grow without
/// bound), with force release as a row action; the queue below. Every lab event reloads the visible pages.
/// </summary>
public partial class ReservationsAdminPage
{
    private static readonly int[] PageSizes = [10, 25, 50, 100];

    private readonly HashSet<int> _releasing = [];
    private MudDataGrid<ReservationView>? _reservations;
    private MudDataGrid<AuditView>? _audit;
    private ReservationQuery _reservationQuery = new();
    private AuditQuery _auditQuery = new();
    private DateRange? _reservationDates;
    private DateRange? _auditDates;
    private IReadOnlyList<QueueEntryView> _queue = [];

    [Inject]
    private ReservationAdminQuery ReservationPages { get; set; } = default!;

    [Inject]
    private ReservationService Reservations { get; set; } = default!;

    [Inject]
    private AuditLog Audit { get; set; } = default!;

    [Inject]
    private ReservationCommands Commands { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnInitializedAsync() => _queue = await Reservations.QueueAsync(null, CancellationToken.None);

    // The audit log records power switches, rule changes and breaks as well: every event may add a line.
    protected override bool Concerns(LabEvent labEvent) => true;

    protected override async Task OnLabEventsAsync(LabEventBatch batch)
    {
        _queue = await Reservations.QueueAsync(null, CancellationToken.None);
        await ReloadAsync(_reservations);
        await ReloadAsync(_audit);
    }

    private async Task<GridData<ReservationView>> LoadReservationsAsync(GridState<ReservationView> state, CancellationToken cancellationToken)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        var page = await ReservationPages.PageAsync(
            _reservationQuery with { SortBy = sort?.SortBy ?? nameof(ReservationView.Id), Descending = sort?.Descending ?? true, Page = state.Page, PageSize = state.PageSize },
            cancellationToken);
        return new GridData<ReservationView> { Items = page.Items, TotalItems = page.Total };
    }

    private async Task<GridData<AuditView>> LoadAuditAsync(GridState<AuditView> state, CancellationToken cancellationToken)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        var page = await Audit.PageAsync(
            _auditQuery with { SortBy = sort?.SortBy ?? nameof(AuditView.At), Descending = sort?.Descending ?? true, Page = state.Page, PageSize = state.PageSize },
            cancellationToken);
        return new GridData<AuditView> { Items = page.Items, TotalItems = page.Total };
    }

    private async Task FilterReservationsAsync(ReservationQuery query)
    {
        _reservationQuery = query;
        await FirstPageAsync(_reservations);
    }

    private Task FilterReservationDatesAsync(DateRange? dates)
    {
        _reservationDates = dates;
        var (from, to) = UtcBounds(dates);
        return FilterReservationsAsync(_reservationQuery with { From = from, To = to });
    }

    private async Task FilterAuditAsync(AuditQuery query)
    {
        _auditQuery = query;
        await FirstPageAsync(_audit);
    }

    private Task FilterAuditDatesAsync(DateRange? dates)
    {
        _auditDates = dates;
        var (from, to) = UtcBounds(dates);
        return FilterAuditAsync(_auditQuery with { From = from, To = to });
    }

    /// <summary>Whole days, in the portal's time zone (the tables show times in it): from the first day's start to the last day's end.</summary>
    private static (DateTime? From, DateTime? To) UtcBounds(DateRange? dates) =>
        (dates?.Start?.Date.ToUniversalTime(), dates?.End?.Date.AddDays(1).ToUniversalTime());

    private async Task ForceReleaseAsync(ReservationView reservation)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            "Force release",
            $"Release {reservation.Board} from {reservation.UserEmail} now? Their console and sandbox close.",
            yesText: "Force release",
            cancelText: "Cancel");
        if (confirmed != true || !_releasing.Add(reservation.Id))
        {
            return;
        }

        try
        {
            StateHasChanged();
            await Commands.ReleaseAsync(reservation.Id);
        }
        finally
        {
            _releasing.Remove(reservation.Id);
        }
    }

    private async Task MoveAsync(QueueEntryView entry, bool earlier)
    {
        var outcome = await Reservations.MoveQueueEntryAsync(await Commands.ActorAsync(), entry.Id, earlier, CancellationToken.None);
        if (outcome.Error is { } error)
        {
            Snackbar.Add(error.Detail, Severity.Error);
        }
    }

    private static async Task FirstPageAsync<T>(MudDataGrid<T>? grid)
    {
        if (grid is { CurrentPage: 0 })
        {
            await grid.ReloadServerData();
        }
        else if (grid is not null)
        {
            grid.NavigateTo(MudBlazor.Page.First); // loads the first page
        }
    }

    private static Task ReloadAsync<T>(MudDataGrid<T>? grid) => grid?.ReloadServerData() ?? Task.CompletedTask;
}
