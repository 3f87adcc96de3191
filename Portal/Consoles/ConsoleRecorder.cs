using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Reservations;

namespace Portal.Consoles;

/// <summary>
/// Records the console of every active reservation to <c>LogDirectory/RESERVATION.log</c>, from grant to end,
/// whether or not anyone watches; at start it picks up the reservations that survived a restart. Grants and ends reach
/// it as a background handler, after they committed.
/// </summary>
public sealed class ConsoleRecorder(
    ConsoleBroker broker,
    ReservationQueries reservations,
    IOptions<ConsoleOptions> options,
    IHostEnvironment environment,
    ILogger<ConsoleRecorder> logger) : IHostedService, ILabEventHandler<ReservationChanged>
{
    private readonly ConcurrentDictionary<int, Recording> _recordings = new();

    /// <summary>The file a reservation's console traffic is kept in (it may not exist: no console, or nothing printed).</summary>
    public string LogPath(int reservationId) =>
        Path.Combine(Path.GetFullPath(options.Value.LogDirectory, environment.ContentRootPath), $"{reservationId}.log");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        PrivateFiles.CreateFolder(Path.GetDirectoryName(LogPath(0))!);
        foreach (var active in await reservations.ListAsync(new ReservationFilter(ActiveOnly: true, Take: int.MaxValue), cancellationToken))
        {
            Start(active.Id, active.Board);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var id in _recordings.Keys)
        {
            await StopAsync(id);
        }
    }

    public async Task HandleAsync(ReservationChanged changed, CancellationToken cancellationToken)
    {
        // From grant (preparing) until the reservation has ended: a teardown's console output is part of it.
        if (changed.State is ReservationState.Preparing or ReservationState.Active)
        {
            Start(changed.ReservationId, changed.Board);
        }
        else if (changed.State != ReservationState.Releasing)
        {
            await StopAsync(changed.ReservationId);
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
