using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Sandboxes;

/// <summary>
/// Every change of a sandbox's status after its launch, each written once as a conditional update: INIT → READY,
/// INIT or READY → TERMINATING → TERMINATED, INIT or READY → FAILED. Each applies only from the statuses it names,
/// so of a teardown, an engine event and the reconciler racing for the same sandbox exactly one wins.
/// </summary>
internal static class SandboxTransitions
{
    /// <summary>INIT → READY: the container runs.</summary>
    public static Task<int> ReadyAsync(this DbSet<Sandbox> sandboxes, int id, string containerId, string passthrough, DateTime now, CancellationToken cancellationToken) =>
        sandboxes.Where(s => s.Id == id && s.Status == SandboxStatus.Init)
            .ExecuteUpdateAsync(
                set => set
                    .SetProperty(s => s.Status, SandboxStatus.Ready)
                    .SetProperty(s => s.ContainerId, containerId)
                    .SetProperty(s => s.Passthrough, passthrough)
                    .SetProperty(s => s.ReadyAt, now),
                cancellationToken);

    /// <summary>INIT or READY → TERMINATING: its holder stopped it, or its reservation ended.</summary>
    public static Task<int> BeginTerminationAsync(this DbSet<Sandbox> sandboxes, int id, CancellationToken cancellationToken) =>
        sandboxes.Where(s => s.Id == id && (s.Status == SandboxStatus.Init || s.Status == SandboxStatus.Ready))
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Status, SandboxStatus.Terminating), cancellationToken);

    /// <summary>TERMINATING → TERMINATED: the container is gone; its output is kept.</summary>
    public static Task<int> TerminatedAsync(this DbSet<Sandbox> sandboxes, int id, string? logs, DateTime now, CancellationToken cancellationToken) =>
        End(sandboxes.Where(s => s.Id == id && s.Status == SandboxStatus.Terminating), SandboxStatus.Terminated, reason: null, logs, now, cancellationToken);

    /// <summary>INIT or READY → FAILED, with the reason: the engine refused, the container died or went away, the device was not let go.</summary>
    public static Task<int> FailAsync(this DbSet<Sandbox> sandboxes, int id, string reason, string? logs, DateTime now, CancellationToken cancellationToken) =>
        End(sandboxes.Where(s => s.Id == id && (s.Status == SandboxStatus.Init || s.Status == SandboxStatus.Ready)), SandboxStatus.Failed, reason, logs, now, cancellationToken);

    private static Task<int> End(IQueryable<Sandbox> sandbox, SandboxStatus to, string? reason, string? logs, DateTime now, CancellationToken cancellationToken) =>
        sandbox.ExecuteUpdateAsync(
            set => set
                .SetProperty(s => s.Status, to)
                .SetProperty(s => s.ActiveReservationId, (int?)null)
                .SetProperty(s => s.Reason, reason)
                .SetProperty(s => s.Logs, s => logs ?? s.Logs)
                .SetProperty(s => s.EndedAt, now),
            cancellationToken);
}
