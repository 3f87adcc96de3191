using System.Threading.Channels;

namespace Portal.Events;

/// <summary>
/// One registered domain reaction: the events it takes and how to call it. A handler runs on the instance that published
/// the event, unless <paramref name="ClusterWide"/>: then it also gets the events of the other instances (a singleton
/// job's handler, which acts only where its job is led).
/// </summary>
public sealed record LabEventHandlerRegistration(
    Type EventType, string Name, Func<IServiceProvider, LabEvent, CancellationToken, Task> Handle, Func<IServiceProvider, LabEvent, bool> Takes, bool ClusterWide = false);

/// <summary>
/// Runs the domain reactions. Each handler has its own unbounded queue and loop, so a slow one (a container that takes
/// seconds to stop) delays neither the publisher nor the other handlers; events published before the host started
/// wait in the queues.
/// </summary>
public sealed class LabEventHandlers(
    IEnumerable<LabEventHandlerRegistration> registrations,
    IServiceProvider services,
    ILogger<LabEventHandlers> logger) : BackgroundService
{
    private readonly HandlerQueue[] _queues = registrations.Select(r => new HandlerQueue(r)).ToArray();

    internal void Enqueue(LabEvent labEvent, bool fromElsewhere)
    {
        foreach (var queue in _queues)
        {
            if (queue.Registration.EventType.IsInstanceOfType(labEvent) && (!fromElsewhere || queue.Registration.ClusterWide) && Takes(queue.Registration, labEvent))
            {
                queue.Events.Writer.TryWrite(labEvent);
            }
        }
    }

    private bool Takes(LabEventHandlerRegistration handler, LabEvent labEvent)
    {
        try
        {
            return handler.Takes(services, labEvent);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Never the publisher's failure: the handler gets the event and its own error handling has the last word.
            logger.LogWarning(ex, "Lab event handler {Handler} could not tell whether it takes {Event}", handler.Name, labEvent);
            return true;
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_queues.Select(queue => RunAsync(queue, stoppingToken)));

    private async Task RunAsync(HandlerQueue queue, CancellationToken stoppingToken)
    {
        var handler = queue.Registration;
        try
        {
            await foreach (var labEvent in queue.Events.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await handler.Handle(services, labEvent, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    logger.LogError(ex, "Lab event handler {Handler} failed on {Event}", handler.Name, labEvent);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still queued is picked up at the next start (recorder, reconciler).
        }
    }

    private sealed class HandlerQueue(LabEventHandlerRegistration registration)
    {
        public LabEventHandlerRegistration Registration { get; } = registration;

        public Channel<LabEvent> Events { get; } = Channel.CreateUnbounded<LabEvent>(new UnboundedChannelOptions { SingleReader = true });
    }
}
