using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Audit;
using Portal.Consoles;
using Portal.Data;
using Portal.Deploys;
using Portal.Observability;
using Portal.Reservations;

namespace Portal.Health;

/// <summary>
/// Runs a health check on the board it holds (a <see cref="HealthCheckJob"/>): its steps in order, stopping at the
/// first that fails, with a log of each step and what the console printed; then gives the board back with its health
/// (good, or bad with the failed step's sentence) and the run kept in the board's history (the last 50).
/// </summary>
public sealed class HealthCheckRunner(
    IDbContextFactory<ApplicationDbContext> dbFactory,
    ReservationLifecycle lifecycle,
    HealthCheckTriggers triggers,
    PowerService power,
    DeployService deploys,
    ConsoleBroker consoles,
    SshTerminalService ssh,
    AuditLog audit,
    PortalMetrics metrics,
    TimeProvider clock,
    ILogger<HealthCheckRunner> logger)
{
    public const int HistoryPerBoard = 50;

    /// <summary>The most of a check's log kept (its end, where a failure shows).</summary>
    private const int MaxLogChars = 64 * 1024;

    internal async Task RunAsync(int reservationId, CancellationToken cancellationToken)
    {
        HealthCheckRun? run;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            run = await db.HealthChecks.AsNoTracking().Include(r => r.Board)
                .SingleOrDefaultAsync(r => r.ReservationId == reservationId && r.Outcome == HealthCheckOutcome.Running, cancellationToken);
        }

        if (run is null)
        {
            return;
        }

        var board = run.Board.Name;
        if (triggers.CheckOf(board) is not { } check)
        {
            // Resumed after a restart with the check gone from the config: the board goes back as it was.
            logger.LogWarning("Health check {RunId} of {Board} dropped: the board has no health check in the config any more", run.Id, board);
            await lifecycle.EndHealthCheckAsync(reservationId, db => db.HealthChecks.Where(r => r.Id == run.Id).ExecuteDeleteAsync(cancellationToken), cancellationToken);
            return;
        }

        logger.LogInformation("Health check {RunId} of {Board} ({Trigger}) started", run.Id, board, run.Trigger);
        var (reason, log) = await RunStepsAsync(board, reservationId, check, cancellationToken);
        var passed = reason is null;
        await lifecycle.EndHealthCheckAsync(reservationId, db => RecordAsync(db, run.Id, reason, log, cancellationToken), cancellationToken);
        metrics.HealthCheck(board, passed);
        if (passed)
        {
            logger.LogInformation("Health check {RunId} of {Board} passed", run.Id, board);
        }
        else
        {
            logger.LogWarning("Health check {RunId} of {Board} failed: {Reason}", run.Id, board, reason);
        }
    }

    private async Task<(string? Reason, string Log)> RunStepsAsync(string board, int reservationId, HealthCheckOptions check, CancellationToken cancellationToken)
    {
        var transcript = new StringBuilder();
        var started = Stopwatch.GetTimestamp();
        void Note(string line) => transcript.Append(CultureInfo.InvariantCulture, $"[{Stopwatch.GetElapsedTime(started).TotalSeconds,6:0.0} s] {line}\n");

        await using var watch = consoles.HasConsole(board) ? await ConsoleWatch.StartAsync(consoles, board, cancellationToken) : null;
        string? reason = null;
        for (var i = 0; i < check.Steps.Count && reason is null; i++)
        {
            var step = check.Steps[i];
            var failure = await RunStepAsync(board, reservationId, step, watch, Note, cancellationToken);
            Note($"step {i + 1}: {step}: {failure ?? "ok"}");
            if (failure is not null)
            {
                reason = $"Step {i + 1} of {check.Steps.Count} ({step}) failed: {failure}.";
            }
        }

        Note(reason is null ? "passed" : "failed");
        var log = $"{transcript}\n--- console ---\n{watch?.Text ?? "(no console)"}";
        return (reason, log.Length <= MaxLogChars ? log : "…" + log[^MaxLogChars..]);
    }

    // Null when the step did what it should, else what went wrong (a clause, without a full stop).
    private async Task<string?> RunStepAsync(string board, int reservationId, HealthCheckStepOptions step, ConsoleWatch? watch, Action<string> note, CancellationToken cancellationToken)
    {
        var seconds = $"{step.Timeout.TotalSeconds:0.#} s";
        switch (step)
        {
            case { Power: { } action }:
                var switched = await power.SwitchForHealthCheckAsync(board, Enum.Parse<PowerAction>(action, ignoreCase: true), reservationId, cancellationToken);
                return switched.Error;
            case { Deploy: { } files }:
                return await deploys.DeployForHealthCheckAsync(board, files, step.Append, note, cancellationToken);
            case { Send: { } line }:
                if (watch is null)
                {
                    return "the board has no console";
                }

                await watch.SendLineAsync(line, cancellationToken);
                return null;
            case { Ssh: { } command }:
                var result = await ssh.RunForHealthCheckAsync(board, command, step.Timeout, cancellationToken);
                note($"ssh '{command}' exited {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-"}: {result.Output.Trim()}");
                return result switch
                {
                    { Error: { } error } => error,
                    { ExitCode: not 0 } => $"the command exited with {result.ExitCode}",
                    _ when step.Expect is { } expect && !Regex.IsMatch(result.Output, expect, RegexOptions.None, TimeSpan.FromSeconds(1)) => $"its output did not match /{expect}/",
                    _ => null,
                };
            default:
                if (watch is null)
                {
                    return "the board has no console";
                }

                var expected = new Regex(step.Expect!, RegexOptions.None, TimeSpan.FromSeconds(1));
                return await watch.WaitForAsync(expected, step.Timeout, cancellationToken) is null
                    ? $"the console did not print /{step.Expect}/ within {seconds}"
                    : null;
        }
    }

    // In the transaction that ends the check's reservation: the run's outcome, the board's health, the history's length.
    private async Task RecordAsync(ApplicationDbContext db, int runId, string? reason, string log, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var run = await db.HealthChecks.Include(r => r.Board).SingleAsync(r => r.Id == runId, cancellationToken);
        var board = run.Board;
        run.Outcome = reason is null ? HealthCheckOutcome.Passed : HealthCheckOutcome.Failed;
        run.Reason = reason;
        run.Log = log;
        run.FinishedAt = now;
        board.LastCheckAt = now;
        board.ReservationsSinceCheck = 0;
        board.FailedChecksInRow = reason is null ? 0 : board.FailedChecksInRow + 1;

        // Maintenance set while the check ran stays; the check is still in the history.
        if (board.Health != BoardHealth.Maintenance)
        {
            board.Health = reason is null ? BoardHealth.Good : BoardHealth.Bad;
            var stopped = triggers.CheckOf(board.Name) is { } check && board.FailedChecksInRow >= check.MaxFailuresInRow
                ? $" Failed {board.FailedChecksInRow} times in a row: no check runs by itself until an admin clears the board."
                : "";
            board.HealthNote = reason is null ? null : reason + stopped;
        }

        audit.Add(db, AuditLog.System, reason is null ? "health-check-passed" : "health-check-failed", board.Name, run.ReservationId, reason);
        await db.SaveChangesAsync(cancellationToken);
        var kept = db.HealthChecks.Where(r => r.BoardId == board.Id).OrderByDescending(r => r.Id).Take(HistoryPerBoard).Select(r => r.Id);
        await db.HealthChecks.Where(r => r.BoardId == board.Id && !kept.Contains(r.Id)).ExecuteDeleteAsync(cancellationToken);
    }
}
