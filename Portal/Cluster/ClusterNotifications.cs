using System.Text.Json;
using System.Threading.Channels;
using Npgsql;

namespace Portal.Cluster;

/// <summary>
/// PostgreSQL's LISTEN/NOTIFY between the portals sharing the database: one connection listens on every channel a
/// part of the portal subscribed to, one sends. Sending never waits: notifications queue and go out in order on the
/// one sending connection, so a receiver sees one sender's notifications in the order they were sent. An instance
/// receives its own notifications too; the payloads carry <see cref="ClusterInstance.Id"/> for whoever must tell.
/// </summary>
public sealed class ClusterNotifications(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<ClusterNotifications> logger) : BackgroundService
{
    /// <summary>The lab events' channel.</summary>
    public const string EventsChannel = "portal_events";

    /// <summary>The consoles' channel: output from their owners, input and breaks to them.</summary>
    public const string ConsolesChannel = "portal_consoles";

    private static readonly string[] Channels = [EventsChannel, ConsolesChannel];

    /// <summary>PostgreSQL refuses payloads of 8000 bytes and more.</summary>
    public const int MaxPayload = 7900;

    // How long a lost connection waits before it is opened again.
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, Action<string>> _handlers = new(StringComparer.Ordinal);
    private Action? _resumed;
    private readonly Channel<(string Channel, string Payload)> _outbox = Channel.CreateUnbounded<(string, string)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Calls <paramref name="handler"/> with every message notified on <paramref name="channel"/> (JSON), on the
    /// listening thread: it must be quick. A message this version does not understand (an instance of another version
    /// sent it) is skipped with a warning; the channel goes on.
    /// </summary>
    public void Subscribe<T>(string channel, Action<T> handler) where T : class
    {
        Subscribe(channel, payload =>
        {
            T? message;
            try
            {
                message = JsonSerializer.Deserialize<T>(payload);
            }
            catch (JsonException ex)
            {
                logger.LogWarning("A notification on {Channel} from another instance was not understood: {Reason}", channel, ex.Message);
                return;
            }

            if (message is not null)
            {
                handler(message);
            }
        });
    }

    private void Subscribe(string channel, Action<string> handler)
    {
        lock (_handlers)
        {
            _handlers[channel] = _handlers.TryGetValue(channel, out var others) ? others + handler : handler;
        }
    }

    /// <summary>
    /// Calls <paramref name="handler"/>, on the listening thread, each time this instance listens again after it lost
    /// its connection: what the others sent meanwhile is lost, and whoever keeps state from notifications starts over.
    /// </summary>
    public void OnResumed(Action handler)
    {
        lock (_handlers)
        {
            _resumed += handler;
        }
    }

    /// <summary>Queues a notification; never waits.</summary>
    public void Send(string channel, string payload)
    {
        if (payload.Length > MaxPayload)
        {
            throw new ArgumentException($"A notification on {channel} is {payload.Length} characters long; at most {MaxPayload} fit.", nameof(payload));
        }

        _outbox.Writer.TryWrite((channel, payload));
    }

    /// <summary>Completes once this instance listens, so that what others send from then on reaches it.</summary>
    public Task Listening => _listening.Task;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var lost = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, notification) => Dispatch(notification.Channel, notification.Payload);
                foreach (var channel in Channels)
                {
                    await using var listen = new NpgsqlCommand($"LISTEN \"{channel}\"", connection);
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                _listening.TrySetResult();
                if (lost)
                {
                    lost = false;
                    Resumed();
                }

                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                // What other instances sent meanwhile is lost; OnResumed's handlers hear of it once listening again.
                logger.LogWarning("Listening to the other portal instances failed: {Reason}; listening again", ex.Message);
                lost = true;
                await DelayAsync(stoppingToken);
            }
        }
    }

    private async Task SendAsync(CancellationToken stoppingToken)
    {
        // Kept across a lost connection, so what failed to go out goes out on the next one, in order.
        var pending = new List<(string Channel, string Payload)>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                while (true)
                {
                    if (pending.Count == 0)
                    {
                        pending.Add(await _outbox.Reader.ReadAsync(stoppingToken));
                    }

                    // Everything queued meanwhile goes in the same round trip.
                    while (pending.Count < 64 && _outbox.Reader.TryRead(out var next))
                    {
                        pending.Add(next);
                    }

                    // Each notification its own transaction (a Sync after each, still one round trip): PostgreSQL
                    // delivers equal notifications of one transaction once, which dropped repeated keys and output.
                    await using var batch = new NpgsqlBatch(connection) { EnableErrorBarriers = true };
                    foreach (var (channel, payload) in pending)
                    {
                        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = channel }, new() { Value = payload } } });
                    }

                    await batch.ExecuteNonQueryAsync(stoppingToken);
                    pending.Clear();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                logger.LogWarning("Notifying the other portal instances failed: {Reason}; trying again", ex.Message);
                await DelayAsync(stoppingToken);
            }
        }
    }

    private void Dispatch(string channel, string payload)
    {
        Action<string>? handler;
        lock (_handlers)
        {
            handler = _handlers.GetValueOrDefault(channel);
        }

        try
        {
            handler?.Invoke(payload);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Handling a notification on {Channel} failed", channel);
        }
    }

    private void Resumed()
    {
        Action? handler;
        lock (_handlers)
        {
            handler = _resumed;
        }

        try
        {
            handler?.Invoke();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Starting over after a lost connection to the other instances failed");
        }
    }

    private async Task DelayAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(ReconnectDelay, clock, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
