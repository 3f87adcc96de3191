using System.Globalization;
using System.Text;

namespace Portal.Usage;

/// <summary>Each table of the Usage page as CSV (RFC 4180, invariant numbers, UTC times), for a spreadsheet.</summary>
public static class UsageCsv
{
    public static readonly IReadOnlyList<string> Tables = ["boards", "classes", "starts", "queue", "users", "health"];

    public static string Write(UsageReport report, string table)
    {
        var csv = new StringBuilder();
        switch (table)
        {
            case "boards":
                Row(csv, "board", "class", "reservations", "busy_hours", "busy_percent", "last_reserved_utc");
                foreach (var b in report.Boards)
                {
                    Row(csv, b.Board, b.Class, b.Reservations, b.BusyHours, b.BusyPercent, b.LastReserved?.ToString("O", CultureInfo.InvariantCulture) ?? "");
                }

                break;
            case "classes":
                Row(csv, ["bucket_utc", .. report.Classes.Select(c => c.Class)]);
                for (var i = 0; i < report.Buckets.Count; i++)
                {
                    Row(csv, [report.Buckets[i].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), .. report.Classes.Select(c => (object)c.HoursPerBucket[i])]);
                }

                break;
            case "starts":
                Row(csv, ["weekday", .. Enumerable.Range(0, 24).Select(h => $"{h:00}")]);
                for (var day = 0; day < 7; day++)
                {
                    Row(csv, [Weekdays[day], .. Enumerable.Range(0, 24).Select(h => (object)report.StartsByWeekdayAndHour[day, h])]);
                }

                break;
            case "queue":
                Row(csv, "bucket_utc", "granted", "wait_p50_minutes", "wait_p95_minutes");
                foreach (var q in report.QueueWaits)
                {
                    Row(csv, q.Bucket.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), q.Granted, q.P50Minutes, q.P95Minutes);
                }

                break;
            case "users":
                Row(csv, "user", "reservations", "busy_hours");
                foreach (var u in report.TopUsers)
                {
                    Row(csv, u.User, u.Reservations, u.BusyHours);
                }

                break;
            case "health":
                Row(csv, "class", "checks", "passed", "pass_percent");
                foreach (var h in report.HealthChecks)
                {
                    Row(csv, h.Class, h.Checks, h.Passed, h.PassPercent);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(table), table, UnknownTable(table));
        }

        return csv.ToString();
    }

    /// <summary>What is wrong with asking for <paramref name="table"/>, in one sentence; null when it is one of <see cref="Tables"/>.</summary>
    public static string? UnknownTable(string table) =>
        Tables.Contains(table) ? null : $"There is no usage table '{table}'; there are {string.Join(", ", Tables)}.";

    /// <summary>Monday first, as the heat map shows them.</summary>
    public static readonly IReadOnlyList<string> Weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    private static void Row(StringBuilder csv, params object[] cells)
    {
        csv.AppendJoin(',', cells.Select(Cell)).Append("\r\n");
    }

    private static string Cell(object value)
    {
        var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
    }
}

public static class UsageEndpoints
{
    public static IServiceCollection AddUsage(this IServiceCollection services) => services.AddSingleton<UsageService>();

    /// <summary><c>/admin/usage/TABLE.csv?from=YYYY-MM-DD&amp;to=YYYY-MM-DD</c> (to inclusive, as the page's picker): admins only.</summary>
    public static IEndpointRouteBuilder MapUsageCsv(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/admin/usage/{table}.csv", async (string table, DateOnly from, DateOnly to, Actor actor, UsageService usage, CancellationToken ct) =>
        {
            if (!actor.IsAdmin)
            {
                return Results.NotFound();
            }

            var period = new UsagePeriod(from.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), to.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));
            if ((UsageCsv.UnknownTable(table) ?? period.Problem) is { } problem)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: problem);
            }

            var csv = UsageCsv.Write(await usage.ReportAsync(period, ct), table);
            return Results.File(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", $"usage-{table}-{from:yyyy-MM-dd}-{to:yyyy-MM-dd}.csv");
        }).RequireAuthorization();
        return endpoints;
    }
}
