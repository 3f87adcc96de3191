namespace Portal.Data;

/// <summary>
/// The system clock in whole microseconds, the finest time PostgreSQL keeps: a lease end the portal answers right
/// after a grant is then the one it reads back from either database later.
/// </summary>
internal sealed class DatabaseClock : TimeProvider
{
    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
