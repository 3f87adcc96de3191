namespace Portal.Cluster;

/// <summary>
/// Which instance of the portal does a singleton job (the lease clock, the sandbox reconciler, the console recorder...).
/// A single portal on SQLite always leads; portals sharing a PostgreSQL database elect one per job through an advisory
/// lock, and another takes the job over when the leader's connection goes (its process died).
/// </summary>
public interface ILeadership
{
    /// <summary>
    /// Runs <paramref name="work"/> while this instance leads <paramref name="job"/>: waits to lead, runs it with a
    /// token that is cancelled when the lead is lost, then waits to lead again. Returns when <paramref name="work"/>
    /// returns or <paramref name="stoppingToken"/> is cancelled.
    /// </summary>
    Task LeadAsync(string job, Func<CancellationToken, Task> work, CancellationToken stoppingToken);

    /// <summary>
    /// Waits until this instance holds <paramref name="name"/>, which no other instance then holds until the result is
    /// disposed: one board's setup and teardown scripts run one at a time across the instances.
    /// </summary>
    Task<IAsyncDisposable> HoldAsync(string name, CancellationToken cancellationToken);
}

/// <summary>The only portal on its database: it leads every job from the start.</summary>
internal sealed class SoleLeadership : ILeadership
{
    public async Task LeadAsync(string job, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        try
        {
            await work(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public Task<IAsyncDisposable> HoldAsync(string name, CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable>(Nothing.Held);

    private sealed class Nothing : IAsyncDisposable
    {
        public static readonly Nothing Held = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
