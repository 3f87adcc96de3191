using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Usage;

/// <summary>A period of the lab's history, in UTC: from <see cref="From"/> up to, not including, <see cref="To"/>.</summary>
public sealed record UsagePeriod(DateTime From, DateTime To)
{
    /// <summary>The longest period a report covers.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(366);

    public TimeSpan Length => To - From;

    /// <summary>Why no report covers this period, in one sentence; null when one does.</summary>
    public string? Problem => To <= From || Length > Longest
        ? $"The period must end after it starts and last at most {Longest.TotalDays:0} days."
        : null;

    /// <summary>Days for periods up to two months, weeks (from Monday) beyond: a bar chart stays readable.</summary>
    public TimeSpan Bucket => Length <= TimeSpan.FromDays(62) ? TimeSpan.FromDays(1) : TimeSpan.FromDays(7);

    public DateTime FirstBucket => Bucket == TimeSpan.FromDays(1) ? From.Date : From.Date.AddDays(-(((int)From.DayOfWeek + 6) % 7));
}

public sealed record BoardUsage(string Board, string Class, int Reservations, double BusyHours, double BusyPercent, DateTime? LastReserved);

public sealed record ClassBusyHours(string Class, IReadOnlyList<double> HoursPerBucket);

public sealed record UserUsage(string User, int Reservations, double BusyHours);

public sealed record ClassHealthChecks(string Class, int Checks, int Passed)
{
    public double PassPercent => Checks == 0 ? 0 : Math.Round(100.0 * Passed / Checks, 1);
}

public sealed record QueueWaits(DateTime Bucket, int Granted, double P50Minutes, double P95Minutes);

/// <summary>How the lab was used in a period, for the admin's Usage page and its CSV exports.</summary>
public sealed record UsageReport(
    UsagePeriod Period,
    IReadOnlyList<DateTime> Buckets,
    IReadOnlyList<BoardUsage> Boards,
    IReadOnlyList<ClassBusyHours> Classes,
    int[,] StartsByWeekdayAndHour,
    IReadOnlyList<QueueWaits> QueueWaits,
    IReadOnlyList<UserUsage> TopUsers,
    IReadOnlyList<ClassHealthChecks> HealthChecks)
{
    /// <summary>Boards busy less than this share of the period count as rarely used.</summary>
    public const double RarelyUsedPercent = 5;

    public IEnumerable<BoardUsage> RarelyUsed => Boards.Where(b => b.BusyPercent < RarelyUsedPercent).OrderBy(b => b.BusyPercent).ThenBy(b => b.Board);
}

/// <summary>
/// Reads the period's reservations and granted queue requests from the database (only the columns it needs, by an index
/// on the grant time) and adds them up: busy hours are each reservation's time inside the period, from its grant to its
/// end (or now, while it is held).
/// </summary>
public sealed class UsageService(IDbContextFactory<ApplicationDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>How many users the top list shows.</summary>
    public const int TopUserCount = 10;

    public async Task<UsageReport> ReportAsync(UsagePeriod period, CancellationToken cancellationToken)
    {
        if (period.Problem is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, problem);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var boards = await db.Boards.AsNoTracking().Where(b => b.RetiredAt == null)
            .Select(b => new { b.Id, b.Name, Class = b.Class.Name })
            .ToListAsync(cancellationToken);
        // Usage is people's: the reservations health checks hold boards with are left out.
        var lastReserved = await db.Reservations.AsNoTracking().Where(r => !r.HealthCheck).GroupBy(r => r.BoardId)
            .Select(g => new { BoardId = g.Key, Last = g.Max(r => r.GrantedAt) })
            .ToDictionaryAsync(g => g.BoardId, g => g.Last, cancellationToken);
        var reservations = await db.Reservations.AsNoTracking()
            .Where(r => r.GrantedAt < period.To && (r.EndedAt == null || r.EndedAt > period.From) && !r.HealthCheck)
            .Select(r => new { r.BoardId, r.GrantedAt, r.EndedAt, User = r.User != null ? r.User.Email : r.DeletedUserEmail })
            .ToListAsync(cancellationToken);
        var waits = await db.Queue.AsNoTracking()
            .Where(q => q.ReservationId != null)
            .Join(db.Reservations.Where(r => r.GrantedAt >= period.From && r.GrantedAt < period.To), q => q.ReservationId, r => r.Id, (q, r) => new { q.CreatedAt, r.GrantedAt })
            .ToListAsync(cancellationToken);

        var checks = await db.HealthChecks.AsNoTracking()
            .Where(c => c.StartedAt >= period.From && c.StartedAt < period.To && c.Outcome != HealthCheckOutcome.Running)
            .GroupBy(c => c.Board.Class.Name)
            .Select(g => new ClassHealthChecks(g.Key, g.Count(), g.Count(c => c.Outcome == HealthCheckOutcome.Passed)))
            .ToListAsync(cancellationToken);

        var buckets = new List<DateTime>();
        for (var bucket = period.FirstBucket; bucket < period.To; bucket += period.Bucket)
        {
            buckets.Add(bucket);
        }

        var boardById = boards.ToDictionary(b => b.Id);
        var classNames = boards.Select(b => b.Class).Distinct().Order().ToList();
        var classHours = classNames.ToDictionary(c => c, _ => new double[buckets.Count]);
        var perBoard = boards.ToDictionary(b => b.Id, _ => (Count: 0, Hours: 0.0));
        var perUser = new Dictionary<string, (int Count, double Hours)>();
        var starts = new int[7, 24];
        foreach (var reservation in reservations)
        {
            var start = Max(reservation.GrantedAt, period.From);
            var end = Min(reservation.EndedAt ?? now, period.To);
            var hours = end > start ? (end - start).TotalHours : 0;
            if (boardById.TryGetValue(reservation.BoardId, out var board))
            {
                var (count, busy) = perBoard[board.Id];
                perBoard[board.Id] = (count + 1, busy + hours);
                AddToBuckets(classHours[board.Class], buckets, period.Bucket, start, end);
            }

            var user = reservation.User ?? "(deleted user)";
            var (userCount, userHours) = perUser.GetValueOrDefault(user);
            perUser[user] = (userCount + 1, userHours + hours);
            if (reservation.GrantedAt >= period.From)
            {
                starts[((int)reservation.GrantedAt.DayOfWeek + 6) % 7, reservation.GrantedAt.Hour]++;
            }
        }

        var periodHours = period.Length.TotalHours;
        return new UsageReport(
            period,
            buckets,
            boards.OrderBy(b => b.Class).ThenBy(b => b.Name)
                .Select(b => new BoardUsage(b.Name, b.Class, perBoard[b.Id].Count, Math.Round(perBoard[b.Id].Hours, 2), Math.Round(100 * perBoard[b.Id].Hours / periodHours, 2), lastReserved.TryGetValue(b.Id, out var last) ? last : null))
                .ToList(),
            classNames.Select(c => new ClassBusyHours(c, classHours[c].Select(h => Math.Round(h, 2)).ToList())).ToList(),
            starts,
            buckets.Select(bucket =>
            {
                var minutes = waits.Where(w => w.GrantedAt >= bucket && w.GrantedAt < bucket + period.Bucket).Select(w => (w.GrantedAt - w.CreatedAt).TotalMinutes).Order().ToList();
                return new QueueWaits(bucket, minutes.Count, Percentile(minutes, 0.5), Percentile(minutes, 0.95));
            }).ToList(),
            perUser.OrderByDescending(u => u.Value.Hours).ThenBy(u => u.Key).Take(TopUserCount)
                .Select(u => new UserUsage(u.Key, u.Value.Count, Math.Round(u.Value.Hours, 2)))
                .ToList(),
            classNames.Select(c => checks.SingleOrDefault(k => k.Class == c) ?? new ClassHealthChecks(c, 0, 0)).ToList());
    }

    private static void AddToBuckets(double[] hours, List<DateTime> buckets, TimeSpan size, DateTime start, DateTime end)
    {
        for (var i = 0; i < buckets.Count && buckets[i] < end; i++)
        {
            var (from, to) = (Max(buckets[i], start), Min(buckets[i] + size, end));
            if (to > from)
            {
                hours[i] += (to - from).TotalHours;
            }
        }
    }

    /// <summary>The nearest-rank percentile of sorted values, rounded to a tenth; 0 when there are none.</summary>
    private static double Percentile(List<double> sorted, double share) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Count) - 1, 0, sorted.Count - 1)], 1);

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
