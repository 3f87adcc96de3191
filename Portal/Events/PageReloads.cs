using System.Collections.Concurrent;

namespace Portal.Events;

/// <summary>
/// What the open pages' reloads after lab events cost the server, bounded. A change can make every open page reload at
/// once; two things keep that from crowding out the requests that make the changes:
/// <list type="bullet">
/// <item>At most <see cref="Slots"/> pages reload at the same moment (<see cref="RunAsync"/>); the others wait without
/// holding a thread, so a request is never queued behind hundreds of page reloads.</item>
/// <item>A read that many pages make after the same change (the lab's boards, a board's details, one user's rights) runs
/// once and its result is shared (<see cref="ReadAsync{T}"/>) by the pages that change woke: a page that reloads after a
/// change sees everything committed before that change was published.</item>
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
    /// The result of <paramref name="read"/> for <paramref name="key"/> (which must name the read and all its inputs) as
    /// of lab version <paramref name="seen"/> or later: a read that started at that version is shared by every page that
    /// asks for no newer one. The read runs without the asker's cancellation, since other pages wait for it too; a read
    /// that failed is run again by the next asker.
    /// </summary>
    public async Task<T> ReadAsync<T>(string key, long seen, Func<CancellationToken, Task<T>> read)
    {
        var shared = _reads.AddOrUpdate(
            key,
            _ => Start(read),
            (_, current) => current.Version >= seen && !current.Result.Value.IsFaulted ? current : Start(read));
        return (T)(await shared.Result.Value)!;

        // The version is taken before reading: the read sees every change published up to it.
        SharedRead Start(Func<CancellationToken, Task<T>> read) =>
            new(events.Version, new(async () => await read(CancellationToken.None)));
    }

    public void Dispose() => _slots.Dispose();

    private sealed record SharedRead(long Version, Lazy<Task<object?>> Result);
}
