using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Portal.Identity;

namespace Portal.Components.Shared;

/// <summary>
/// A component that shows live lab state. It gets the events <see cref="Concerns"/> picks through its own bounded
/// queue, and one reader loop, owned by the component and ended with it, hands them to <see cref="OnLabEventsAsync"/>
/// in batches: whatever arrived while the component was reloading or rendering becomes one reload, and the publisher
/// never waits for this circuit. A change after a quiet spell shows at once; in a burst the component reloads at most
/// once per <see cref="ReloadInterval"/>, so a busy lab costs each open page a bounded amount of work. Reloads of all
/// pages together are bounded too (<see cref="PageReloads"/>): a few at a time, sharing the reads they have in common.
/// </summary>
public abstract class LabLiveComponent : ComponentBase, IAsyncDisposable
{
    /// <summary>The least time between two reloads of one component.</summary>
    public static readonly TimeSpan ReloadInterval = TimeSpan.FromMilliseconds(1000);

    private readonly CancellationTokenSource _lifetime = new();
    private LabEventSubscription? _subscription;
    private Task? _reader;
    private LabEventBatch? _reloading;
    private Actor? _viewer;
    private int _viewerChanged;

    [Inject]
    private LabEvents Events { get; set; } = default!;

    [Inject]
    private PageReloads Reloads { get; set; } = default!;

    [Inject]
    private ILogger<LabLiveComponent> Logger { get; set; } = default!;

    // Asked for the viewer only by the components that show one (ViewerAsync).
    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    /// <summary>Cancelled when the component goes away.</summary>
    protected CancellationToken Lifetime => _lifetime.Token;

    protected override void OnInitialized()
    {
        // Subscribed before the first load, so a change that lands during it still arrives.
        _subscription = Events.Subscribe(labEvent => NoteViewerChange(labEvent) || Concerns(labEvent));
        _reader = ReadAsync(_subscription, _lifetime.Token);
    }

    /// <summary>
    /// Whether the component shows what the event changed (a board, a user, the whole lab). It runs on the publisher's
    /// thread, possibly before the component finished loading: quick, no I/O, and safe with fields not yet set.
    /// </summary>
    protected abstract bool Concerns(LabEvent labEvent);

    /// <summary>
    /// The signed-in viewer as the page shows them (whether an admin): read once, and again after a change to their
    /// account (<see cref="UsersChanged"/>), which reloads the component, rather than on every reload. Actions resolve
    /// the actor afresh (<see cref="ReservationCommands.ActorAsync"/>); the services decide again anyway.
    /// </summary>
    protected async Task<Actor> ViewerAsync() =>
        _viewer ??= await Services.GetRequiredService<ActorResolver>().ResolveAsync(
            (await Services.GetRequiredService<AuthenticationStateProvider>().GetAuthenticationStateAsync()).User, CancellationToken.None);

    // Noted as the event is offered, not read from the queue: a busy lab overflows a page's queue, and the page must
    // neither miss a change to its viewer among the dropped events nor read its viewer again after every overflow.
    // Also while the viewer is not read yet: a change landing during that read must not leave it stale.
    private bool NoteViewerChange(LabEvent labEvent)
    {
        if (labEvent is UsersChanged changed && (changed.UserId is null || _viewer is not { } viewer || changed.UserId == viewer.UserId))
        {
            Volatile.Write(ref _viewerChanged, 1);
            return true;
        }

        return false;
    }

    /// <summary>Reloads what the batch changed; the component re-renders afterwards.</summary>
    protected abstract Task OnLabEventsAsync(LabEventBatch batch);

    /// <summary>
    /// A read that other open pages make too after the same change (<paramref name="key"/> names it and all its inputs):
    /// while the component reloads after lab events, shared with them through <see cref="PageReloads.ReadAsync{T}"/>;
    /// otherwise (the first load, after the user's own action) read afresh.
    /// </summary>
    protected Task<T> SharedReadAsync<T>(string key, Func<CancellationToken, Task<T>> read) =>
        _reloading is { } batch ? Reloads.ReadAsync(key, batch.Version, read) : read(CancellationToken.None);

    private async Task ReadAsync(LabEventSubscription subscription, CancellationToken lifetime)
    {
        try
        {
            // Events that arrive while this page waits for a slot cause its next reload, not this one: the pages woken by
            // the same change then read at the same version and share their reads (PageReloads.ReadAsync).
            while (await subscription.NextBatchAsync(lifetime) is { } batch)
            {
                await Reloads.RunAsync(() => InvokeAsync(async () =>
                {
                    if (lifetime.IsCancellationRequested)
                    {
                        return;
                    }

                    try
                    {
                        _reloading = batch;
                        if (Interlocked.Exchange(ref _viewerChanged, 0) == 1)
                        {
                            _viewer = null;
                        }

                        await OnLabEventsAsync(batch);
                        StateHasChanged();
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException && !lifetime.IsCancellationRequested)
                    {
                        // The page keeps its last state and goes on listening; the next change reloads it.
                        Logger.LogError(ex, "{Component} failed to apply {Count} lab events", GetType().Name, batch.Events.Count);
                    }
                    finally
                    {
                        _reloading = null;
                    }
                }), lifetime);
                // Pacing redraws is wall-clock work, not lab time: a lab clock a test holds still must not freeze pages.
                await Task.Delay(ReloadInterval, lifetime);
            }
        }
        catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
        {
            // The component went away.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The circuit itself is gone (its dispatcher refuses work); the component's disposal follows.
            Logger.LogDebug(ex, "{Component} stopped listening to lab events", GetType().Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the live updates; a subclass that owns more releases it after calling this.</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        _subscription?.Dispose();
        await _lifetime.CancelAsync();
        if (_reader is not null)
        {
            await _reader;
        }
    }
}
