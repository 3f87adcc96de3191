using Microsoft.AspNetCore.Components;
using Portal.Reservations;

namespace Portal.Components.Shared;

/// <summary>
/// A component that shows live lab state: it hears every <see cref="LabEvent"/> and re-renders when
/// <see cref="OnLabEventAsync"/> says the event concerns it. The subscription ends with the component.
/// </summary>
public abstract class LabLiveComponent : ComponentBase, IDisposable
{
    private IDisposable? _subscription;

    [Inject]
    private LabEvents Events { get; set; } = default!;

    protected override void OnInitialized() =>
        _subscription = Events.Subscribe(labEvent => InvokeAsync(async () =>
        {
            if (await OnLabEventAsync(labEvent))
            {
                StateHasChanged();
            }
        }));

    /// <summary>Reloads what the event changed; returns whether the component should re-render.</summary>
    protected abstract Task<bool> OnLabEventAsync(LabEvent labEvent);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _subscription?.Dispose();
        }
    }
}
