using System.Collections.Concurrent;

namespace Portal.Reservations;

/// <summary>
/// Runs the lifecycle's background jobs: every job on its own task, so teardowns of different boards run at the same
/// time, while the jobs of one board run one after another (a teardown waits for a setup still running). A failing job
/// is logged and never reaches the request that caused it. Among instances sharing the database a board's jobs also
/// wait for each other (<see cref="Cluster.ILeadership.HoldAsync"/>): a teardown released on one instance waits for the
/// setup another runs, and a job resumed by the instance that took over the lease clock waits for the one still running.
/// </summary>
/// <remarks>A worker without <paramref name="healthChecks"/> (the reservation tests' own) has no health checks to run.</remarks>
internal sealed class LifecycleWorker(
    LifecycleJobs jobs, ReservationLifecycle lifecycle, ReservationQueue queue, Cluster.ILeadership leadership, ILogger<LifecycleWorker> logger, Health.HealthCheckRunner? healthChecks = null) : BackgroundService
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _boards = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private long _started;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in jobs.Reader.ReadAllAsync(stoppingToken))
            {
                var id = ++_started;
                var task = RunAsync(id, job, stoppingToken);
                _running[id] = task;
                if (task.IsCompleted)
                {
                    _running.TryRemove(id, out _);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what did not finish is resumed from the database on the next start.
        }

        await Task.WhenAll(_running.Values);
    }

    // Never throws: its errors are logged here, and it removes itself from the running jobs when done.
    private async Task RunAsync(long id, LifecycleJob job, CancellationToken stoppingToken)
    {
        await Task.Yield();
        var board = job switch
        {
            PrepareJob p => p.Board,
            TearDownJob t => t.Board,
            HealthCheckJob h => h.Board,
            _ => null,
        };
        var serial = board is null ? null : _boards.GetOrAdd(board, _ => new SemaphoreSlim(1, 1));
        try
        {
            if (serial is not null)
            {
                await serial.WaitAsync(stoppingToken);
            }

            try
            {
                await using var held = board is null ? null : await leadership.HoldAsync($"lifecycle:{board}", stoppingToken);
                await (job switch
                {
                    PrepareJob p => lifecycle.PrepareAsync(p.ReservationId, stoppingToken),
                    TearDownJob t => lifecycle.TearDownAsync(t.ReservationId, stoppingToken),
                    ServeQueueJob s => queue.ServeAsync(s.BoardClassId, stoppingToken),
                    HealthCheckJob h when healthChecks is not null => healthChecks.RunAsync(h.ReservationId, stoppingToken),
                    _ => throw new InvalidOperationException($"Unknown lifecycle job {job}."),
                });
            }
            finally
            {
                serial?.Release();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Lifecycle job {Job} failed", job);
        }
        finally
        {
            _running.TryRemove(id, out _);
            jobs.Done();
        }
    }
}
