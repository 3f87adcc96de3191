namespace Portal.Components.Shared;

/// <summary>
/// What a page shows from a read it repeats after each change. Two reads may overlap (the first load and the user's
/// own action, or that action's reload and a lab event's): the one started last saw the most, so a read that ends after
/// a later one began is dropped rather than putting older data back on the page.
/// </summary>
public sealed class LatestRead
{
    private long _started;

    /// <summary>Runs <paramref name="read"/> and hands its result to <paramref name="show"/> unless a later read began meanwhile.</summary>
    public async Task RunAsync<T>(Func<Task<T>> read, Action<T> show)
    {
        var ticket = Interlocked.Increment(ref _started);
        var result = await read();
        if (Interlocked.Read(ref _started) == ticket)
        {
            show(result);
        }
    }
}
