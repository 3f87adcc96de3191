using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Events;

namespace Portal.Tests.Support;

/// <summary>Every lab event published since it was created, heard as an open page hears them (with room for all).</summary>
public sealed class LabEventLog : IDisposable
{
    private readonly LabEventSubscription _subscription;
    private readonly List<LabEvent> _heard = [];

    public LabEventLog(LabEvents events) => _subscription = events.Subscribe(_ => true, capacity: 100_000);

    public IReadOnlyList<LabEvent> Events
    {
        get
        {
            lock (_heard)
            {
                _heard.AddRange(_subscription.TakeQueued().Events);
                return [.. _heard];
            }
        }
    }

    /// <summary>A notifier without domain handlers, for tests that build services by hand.</summary>
    public static LabEvents NewBus() =>
        new(new LabEventHandlers([], new ServiceCollection().BuildServiceProvider(), NullLogger<LabEventHandlers>.Instance), NullLogger<LabEvents>.Instance);

    public void Dispose() => _subscription.Dispose();
}
