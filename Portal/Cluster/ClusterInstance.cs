namespace Portal.Cluster;

/// <summary>This portal process among those sharing the database: its id marks the notifications it sends.</summary>
public sealed class ClusterInstance
{
    public string Id { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
}
