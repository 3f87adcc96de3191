using Npgsql;

namespace Portal.Cluster;

/// <summary>Portals sharing a PostgreSQL database: the instance holding a job's advisory lock leads it.</summary>
internal sealed class ElectedLeadership(ClusterLocks locks, TimeProvider clock, ILogger<ElectedLeadership> logger) : ILeadership
{
    // How often a follower tries to take a job over: with the lock check of the holder's connection, the failover time.
    internal static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    // How often a wait for a held name looks again: a board's next script should not wait long behind the last.
    private static readonly TimeSpan HoldRetryInterval = TimeSpan.FromMilliseconds(200);

    public async Task<IAsyncDisposable> HoldAsync(string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await locks.TryTakeAsync($"hold:{name}", cancellationToken) is { } held)
            {
                return held;
            }

            await Task.Delay(HoldRetryInterval, clock, cancellationToken);
        }
    }

    public async Task LeadAsync(string job, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        var following = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            ClusterLock? lead = null;
            try
            {
                lead = await locks.TryTakeAsync($"job:{job}", stoppingToken);
            }
            catch (NpgsqlException ex)
            {
                logger.LogWarning("Trying to lead {Job} failed: {Reason}; trying again", job, ex.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (lead is null)
            {
                if (!following)
                {
                    logger.LogInformation("Another instance leads {Job}; this one takes over if it goes", job);
                    following = true;
                }

                try
                {
                    await Task.Delay(RetryInterval, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            await using (lead)
            {
                following = false;
                logger.LogInformation("This instance leads {Job}", job);
                using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lead.Lost);
                try
                {
                    await work(leading.Token);
                    return;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (OperationCanceledException) when (lead.Lost.IsCancellationRequested)
                {
                    logger.LogWarning("This instance lost the lead of {Job}", job);
                }
            }
        }
    }
}
