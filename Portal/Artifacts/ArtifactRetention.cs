namespace Portal.Artifacts;

/// <summary>Removes artifacts unused for longer than <c>Artifacts:RetentionDays</c>, at start and every <c>RetentionInterval</c>.</summary>
internal sealed class ArtifactRetention(ArtifactStore store, Microsoft.Extensions.Options.IOptions<ArtifactOptions> options, TimeProvider timeProvider, Cluster.ILeadership leadership, ILogger<ArtifactRetention> logger)
    : BackgroundService
{
    // One instance among those sharing the database runs it; another takes over when that one goes.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leadership.LeadAsync("artifact-retention", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetentionInterval, timeProvider);
        do
        {
            try
            {
                await store.ApplyRetentionAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Artifact retention failed; it runs again in {Interval}", options.Value.RetentionInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
