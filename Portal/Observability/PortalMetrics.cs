using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Portal.Consoles;
using Portal.Data;

namespace Portal.Observability;

/// <summary>
/// The portal's own meter, <c>Portal</c>: what an operator graphs and alerts on, beside ASP.NET Core's, Kestrel's,
/// Blazor's and the runtime's meters. Tags stay few (board names, drivers, states), so series stay bounded.
/// </summary>
public sealed class PortalMetrics
{
    public const string MeterName = "Portal";

    private readonly Counter<long> _granted;
    private readonly Counter<long> _ended;
    private readonly Counter<long> _powerOperations;
    private readonly Counter<long> _consoleBytes;
    private readonly Counter<long> _consoleResyncs;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _sandboxLaunch;
    private readonly Counter<long> _healthChecks;

    public PortalMetrics(IMeterFactory meters, IDbContextFactory<ApplicationDbContext> dbFactory)
    {
        var meter = meters.Create(MeterName);
        // Read when scraped (every few seconds), not kept up to date on every change.
        meter.CreateObservableGauge("portal.queue.length", () =>
        {
            using var db = dbFactory.CreateDbContext();
            return db.Queue.Count(q => q.State == QueueEntryState.Waiting);
        }, "{request}", "Requests waiting in the queue, all classes");
        _queueWait = meter.CreateHistogram<double>("portal.queue.wait", "s", "How long a granted request waited in the queue");
        _granted = meter.CreateCounter<long>("portal.reservations.granted", "{reservation}", "Reservations granted, by whether a waiting request got them (via=queue) or a direct one (via=request)");
        _ended = meter.CreateCounter<long>("portal.reservations.ended", "{reservation}", "Reservations ended, by how: released, expired or failed");
        _powerOperations = meter.CreateCounter<long>("portal.power.operations", "{operation}", "Power switches, by driver, action and outcome (ok or failed)");
        _sandboxLaunch = meter.CreateHistogram<double>("portal.sandbox.launch", "s", "How long sandbox launches took, by outcome: ready or failed");
        _consoleBytes = meter.CreateCounter<long>("portal.console.bytes", "By", "Bytes read from boards' consoles, by board");
        _consoleResyncs = meter.CreateCounter<long>("portal.console.resyncs", "{resync}", "Times a console's watcher fell behind and was reset to the scrollback, by board");
        _healthChecks = meter.CreateCounter<long>("portal.health_checks", "{check}", "Health checks run, by board and outcome (passed or failed)");
    }

    public void ReservationGranted(bool fromQueue) => _granted.Add(1, new KeyValuePair<string, object?>("via", fromQueue ? "queue" : "request"));

    public void QueueWaited(TimeSpan wait) => _queueWait.Record(wait.TotalSeconds);

    public void ReservationEnded(ReservationState state) => _ended.Add(1, new KeyValuePair<string, object?>("state", state.ToString().ToLowerInvariant()));

    public void PowerOperation(string driver, PowerAction action, bool failed) => _powerOperations.Add(
        1,
        new KeyValuePair<string, object?>("driver", driver),
        new KeyValuePair<string, object?>("action", action.ToString().ToLowerInvariant()),
        new KeyValuePair<string, object?>("outcome", failed ? "failed" : "ok"));

    public void SandboxLaunched(TimeSpan took, bool failed) =>
        _sandboxLaunch.Record(took.TotalSeconds, new KeyValuePair<string, object?>("outcome", failed ? "failed" : "ready"));

    public void HealthCheck(string board, bool passed) => _healthChecks.Add(
        1,
        new KeyValuePair<string, object?>("board", board),
        new KeyValuePair<string, object?>("outcome", passed ? "passed" : "failed"));

    public void ConsoleBytes(string board, int count) => _consoleBytes.Add(count, new KeyValuePair<string, object?>("board", board));

    public void ConsoleResynced(string board) => _consoleResyncs.Add(1, new KeyValuePair<string, object?>("board", board));
}
