namespace Portal.Events;

/// <summary>
/// A domain reaction to a lab event (record a console, tear down a sandbox...). It runs in the background after the
/// change committed, one event at a time in publishing order; whatever it throws is logged and never reaches the
/// request that caused the event. Register it with <c>AddLabEventHandler&lt;TEvent, THandler&gt;()</c>.
/// </summary>
public interface ILabEventHandler<in TEvent> where TEvent : LabEvent
{
    Task HandleAsync(TEvent labEvent, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the handler acts on the event at all. Asked on the publisher's thread: quick, no I/O. An event it does
    /// not take never reaches its queue, so a busy lab wakes it only for what it acts on.
    /// </summary>
    bool Takes(TEvent labEvent) => true;
}
