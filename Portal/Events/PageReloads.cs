using System.Collections.Concurrent;

namespace Portal.Events;

/// <summary>
/// What the open pages' reloads after lab events cost the server, bounded. A change can make every open page reload at
/// once; two things keep that from crowding out the requests that make the changes:
/// <list type="bullet">
/// <item>At most <see cref="Slots"/> pages reload at the same moment (<see cref="RunAsync"/>); the others wait without
/// holding a thread, so a request is never queued behind hundreds of page reloads.</item>
/// <item>A read that many pages make after the same change (the lab's boards, a board's details, one user's rights) runs
/// once per <see cref="LabEvents.Version"/> and its result is shared (<see cref="ReadAsync{T}"/>): a page that reloads
/// after a change sees everything committed before that change was published.</item>
/// </list>
/// </summary>
public sealed class PageReloads(LabEvents events) : IDisposable
{
    /// <summary>
    /// How many pages may reload at once: one per core but one, so that however many pages a change makes reload, a core
    /// is left for the requests that make the changes.
    /// </summary>
    public static readonly int Slots = Math.Max(1, Environment.ProcessorCount - 1);

    private readonly SemaphoreSlim _slots = new(Slots);
    private readonly ConcurrentDictionary<string, SharedRead> _reads = new();

    /// <summary>Runs one page's reload when a slot is free.</summary>
    public async Task RunAsync(Func<Task> reload, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            await reload();
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>
    /// The result of <paramref name="read"/> for <paramref name="key"/> (which must name the read and all its inputs), run
    /// once per lab version by whichever page asks first. The read runs without the asker's cancellation, since other
    /// pages wait for it too; a read that failed is run again by the next asker.
    /// </summary>
    public async Task<T> ReadAsync<T>(string key, Func<CancellationToken, Task<T>> read)
    {
        // The version is taken before reading: a change published during the read makes the next asker read again.
        var version = events.Version;
        var shared = _reads.AddOrUpdate(
            key,
            _ => new SharedRead(version, Start(read)),
            (_, current) => current.Version >= version && !current.Result.Value.IsFaulted ? current : new SharedRead(version, Start(read)));
        return (T)(await shared.Result.Value)!;

        static Lazy<Task<object?>> Start(Func<CancellationToken, Task<T>> read) => new(async () => await read(CancellationToken.None));
    }

    public void Dispose() => _slots.Dispose();

    private sealed record SharedRead(long Version, Lazy<Task<object?>> Result);
}
