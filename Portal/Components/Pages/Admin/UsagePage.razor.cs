using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Usage;

namespace Portal.Components.Pages.Admin;

/// <summary>How the lab was used over a period an admin picks: charts from <see cref="UsageService"/>, each with its table and CSV.</summary>
public partial class UsagePage
{
    private DateRange _range = new(DateTime.UtcNow.Date.AddDays(-29), DateTime.UtcNow.Date);
    private UsageReport? _report;
    private string? _error;
    private List<ChartSeries<double>> _classSeries = [];
    private List<ChartSeries<double>> _boardSeries = [];
    private List<ChartSeries<double>> _startSeries = [];
    private List<ChartSeries<double>> _queueSeries = [];
    private List<ChartSeries<double>> _userSeries = [];
    private List<ChartSeries<double>> _healthSeries = [];
    private string[] _healthLabels = [];
    private string[] _bucketLabels = [];
    private string[] _boardLabels = [];
    private string[] _userLabels = [];
    private readonly StackedBarChartOptions _stackedOptions = new() { XAxisLabelRotation = 60 };
    private readonly LineChartOptions _lineOptions = new() { XAxisLabelRotation = 60 };
    private readonly HeatMapChartOptions _heatMapOptions = new() { ValueFormatString = "0" };
    private readonly string[] _hourLabels = Enumerable.Range(0, 24).Select(h => h.ToString("00", CultureInfo.InvariantCulture)).ToArray();

    [Inject]
    private UsageService Usage { get; set; } = default!;

    protected override Task OnInitializedAsync() => LoadAsync();

    private string CsvLink(string table) =>
        $"admin/usage/{table}.csv?from={_range.Start:yyyy-MM-dd}&to={_range.End:yyyy-MM-dd}";

    private async Task OnRangeChangedAsync(DateRange range)
    {
        _range = range;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        if (_range is not { Start: { } start, End: { } end })
        {
            return;
        }

        var period = new UsagePeriod(DateTime.SpecifyKind(start.Date, DateTimeKind.Utc), DateTime.SpecifyKind(end.Date.AddDays(1), DateTimeKind.Utc));
        if ((_error = period.Problem) is not null)
        {
            return;
        }

        var report = await Usage.ReportAsync(period, CancellationToken.None);
        _bucketLabels = report.Buckets.Select(b => b.ToString("MM-dd", CultureInfo.InvariantCulture)).ToArray();
        _classSeries = report.Classes.Select(c => Series(c.Class, c.HoursPerBucket)).ToList();
        _boardLabels = report.Boards.Select(b => b.Board).ToArray();
        _boardSeries = [Series("Busy %", report.Boards.Select(b => b.BusyPercent))];
        _startSeries = Enumerable.Range(0, 7)
            .Select(day => Series(UsageCsv.Weekdays[day], Enumerable.Range(0, 24).Select(hour => (double)report.StartsByWeekdayAndHour[day, hour])))
            .ToList();
        _queueSeries = [Series("p50", report.QueueWaits.Select(q => q.P50Minutes)), Series("p95", report.QueueWaits.Select(q => q.P95Minutes))];
        _userLabels = report.TopUsers.Select(u => u.User).ToArray();
        _userSeries = [Series("Busy hours", report.TopUsers.Select(u => u.BusyHours))];
        _healthLabels = report.HealthChecks.Select(h => h.Class).ToArray();
        _healthSeries = [Series("Pass %", report.HealthChecks.Select(h => h.PassPercent))];
        _report = report;
    }

    private static ChartSeries<double> Series(string name, IEnumerable<double> values) => new() { Name = name, Data = values.ToArray() };
}
