using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Reservations;

namespace Portal.Consoles;

/// <summary>
/// Records the console of every active reservation to <c>LogDirectory/RESERVATION.log</c>, from grant to end,
/// whether or not anyone watches; at start it picks up the reservations that survived a restart.
/// </summary>
public sealed class ConsoleRecorder(
    ConsoleBroker broker,
    ReservationService reservations,
    LabEvents events,
    IOptions<ConsoleOptions> options,
    IHostEnvironment environment,
    ILogger<ConsoleRecorder> logger) : IHostedService
{
    private readonly ConcurrentDictionary<int, Recording> _recordings = new();
    private IDisposable? _subscription;

    /// <summary>The file a reservation's console traffic is kept in (it may not exist: no console, or nothing printed).</summary>
    public string LogPath(int reservationId) =>
        Path.Combine(Path.GetFullPath(options.Value.LogDirectory, environment.ContentRootPath), $"{reservationId}.log");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        PrivateFiles.CreateFolder(Path.GetDirectoryName(LogPath(0))!);
        _subscription = events.Subscribe(OnLabEventAsync);
        foreach (var active in await reservations.ListAsync(new ReservationFilter(ActiveOnly: true, Take: int.MaxValue), cancellationToken))
        {
            Start(active.Id, active.Board);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        foreach (var id in _recordings.Keys)
        {
            await StopAsync(id);
        }
    }

    private async Task OnLabEventAsync(LabEvent labEvent)
    {
        if (labEvent is ReservationChanged { State: nameof(ReservationState.Active) } granted)
        {
            Start(granted.ReservationId, granted.Board);
        }
        else if (labEvent is ReservationChanged ended)
        {
            await StopAsync(ended.ReservationId);
        }
    }

    private void Start(int reservationId, string board)
    {
        if (!broker.HasConsole(board) || _recordings.ContainsKey(reservationId))
        {
            return;
        }

        var file = PrivateFiles.OpenAppend(LogPath(reservationId));
        var recording = new Recording(file, options.Value.MaxLogBytes);
        if (!_recordings.TryAdd(reservationId, recording))
        {
            file.Dispose();
            return;
        }

        recording.Watcher = broker.Watch(board, recording.WriteAsync);
        logger.LogInformation("Recording the console of {Board} for reservation {ReservationId}", board, reservationId);
    }

    private async Task StopAsync(int reservationId)
    {
        if (_recordings.TryRemove(reservationId, out var recording))
        {
            await recording.DisposeAsync();
        }
    }

    private sealed class Recording(FileStream file, long maxBytes) : IAsyncDisposable
    {
        public ConsoleWatcher? Watcher { get; set; }

        public async Task WriteAsync(ReadOnlyMemory<byte> data)
        {
            var room = (int)Math.Max(0, Math.Min(data.Length, maxBytes - file.Position));
            if (room > 0)
            {
                await file.WriteAsync(data[..room]);
                await file.FlushAsync();
            }

            Watcher?.Acknowledge(data.Length);
        }

        public async ValueTask DisposeAsync()
        {
            if (Watcher is not null)
            {
                await Watcher.DisposeAsync();
            }

            await file.DisposeAsync();
        }
    }
}
