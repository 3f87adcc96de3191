using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Observability;

/// <summary>Records how long sandbox launches took, from the sandbox events after they committed: to ready, or to a failure before ready.</summary>
public sealed class SandboxMetrics(PortalMetrics metrics, IDbContextFactory<ApplicationDbContext> dbFactory) : ILabEventHandler<SandboxChanged>
{
    public bool Takes(SandboxChanged labEvent) => labEvent.Status is SandboxStatus.Ready or SandboxStatus.Failed;

    public async Task HandleAsync(SandboxChanged labEvent, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var sandbox = await db.Sandboxes.AsNoTracking().Where(s => s.Id == labEvent.SandboxId)
            .Select(s => new { s.CreatedAt, s.ReadyAt, s.EndedAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (labEvent.Status == SandboxStatus.Ready && sandbox?.ReadyAt is { } ready)
        {
            metrics.SandboxLaunched(ready - sandbox.CreatedAt, failed: false);
        }
        else if (labEvent.Status == SandboxStatus.Failed && sandbox is { ReadyAt: null, EndedAt: { } ended })
        {
            // A sandbox that was ready and failed later is not a failed launch.
            metrics.SandboxLaunched(ended - sandbox.CreatedAt, failed: true);
        }
    }
}
