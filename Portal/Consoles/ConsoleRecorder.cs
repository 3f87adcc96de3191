using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Reservations;

namespace Portal.Consoles;

/// <summary>
/// Records the console of every active reservation, from grant to end, whether or not anyone watches: the plain text
/// in <c>LogDirectory/RESERVATION.log</c> and the same output with its timing as an asciinema v2 recording in
/// <c>RESERVATION.cast</c> (each file at most <c>MaxLogBytes</c>). At start it picks up the reservations that survived
/// a restart. Grants and ends reach it as a background handler, after they committed. Among portal instances sharing
/// the database one records (<see cref="Cluster.ILeadership"/>), from every instance's events; the one that takes over
/// from an instance that went picks up the active reservations the same way, appending to their files.
/// </summary>
public sealed class ConsoleRecorder(
    ConsoleBroker broker,
    ReservationQueries reservations,
    IOptions<ConsoleOptions> options,
    IHostEnvironment environment,
    TimeProvider clock,
    Cluster.ILeadership leadership,
    ILogger<ConsoleRecorder> logger) : IHostedService, ILabEventHandler<ReservationChanged>
{
    private readonly ConcurrentDictionary<int, Recording> _recordings = new();
    // Taking and losing the lead, and each event, one at a time: no recording starts here after the lead is gone.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _leading = Task.CompletedTask;
    private bool _recording;

    /// <summary>The file a reservation's console traffic is kept in (it may not exist: no console, or nothing printed).</summary>
    public string LogPath(int reservationId) => PathOf(reservationId, "log");

    /// <summary>The reservation's console as an asciinema v2 recording (it may not exist, as <see cref="LogPath"/>).</summary>
    public string CastPath(int reservationId) => PathOf(reservationId, "cast");

    /// <summary>The reservation whose recordings the actor may read (its holder and admins), else null: one rule for every download and the replay.</summary>
    public async Task<ReservationView?> ReadableAsync(Actor actor, int reservationId, CancellationToken cancellationToken) =>
        await reservations.GetAsync(reservationId, cancellationToken) is { } reservation && actor.IsHolderOrAdmin(reservation.UserId)
            ? reservation
            : null;

    private string PathOf(int reservationId, string extension) =>
        Path.Combine(Path.GetFullPath(options.Value.LogDirectory, environment.ContentRootPath), $"{reservationId}.{extension}");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        PrivateFiles.CreateFolder(Path.GetDirectoryName(LogPath(0))!);
        _leading = leadership.LeadAsync("console-recorder", RecordAsync, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _leading;
    }

    public async Task HandleAsync(ReservationChanged changed, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_recording)
            {
                return;
            }

            // From grant (preparing) until the reservation has ended: a teardown's console output is part of it.
            if (changed.State is ReservationState.Preparing or ReservationState.Active)
            {
                await StartAsync(changed.ReservationId, changed.Board, cancellationToken);
            }
            else if (changed.State != ReservationState.Releasing)
            {
                await StopAsync(changed.ReservationId);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    // While this instance leads the recording: the reservations active when it took the lead, then those events start.
    private async Task RecordAsync(CancellationToken leading)
    {
        await _gate.WaitAsync(leading);
        try
        {
            _recording = true;
            foreach (var active in await reservations.ListAsync(new ReservationFilter(ActiveOnly: true, Take: int.MaxValue), leading))
            {
                try
                {
                    await StartAsync(active.Id, active.Board, leading);
                }
                catch (IOException ex)
                {
                    logger.LogError(ex, "Recording the console of {Board} for reservation {ReservationId} failed", active.Board, active.Id);
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            await Task.Delay(Timeout.Infinite, leading);
        }
        finally
        {
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                _recording = false;
                foreach (var id in _recordings.Keys)
                {
                    await StopAsync(id);
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    private async Task StartAsync(int reservationId, string board, CancellationToken cancellationToken)
    {
        if (!broker.HasConsole(board))
        {
            return;
        }

        var recording = new Recording(options.Value.MaxLogBytes);
        if (!_recordings.TryAdd(reservationId, recording))
        {
            return;
        }

        recording.Opening = OpenAsync(recording, reservationId, board, cancellationToken);
        try
        {
            await recording.Opening;
        }
        catch
        {
            _recordings.TryRemove(KeyValuePair.Create(reservationId, recording));
            await recording.DisposeAsync();
            throw;
        }

        logger.LogInformation("Recording the console of {Board} for reservation {ReservationId}", board, reservationId);
    }

    private async Task OpenAsync(Recording recording, int reservationId, string board, CancellationToken cancellationToken)
    {
        recording.Log = PrivateFiles.OpenAppend(LogPath(reservationId));
        recording.Cast = await AsciicastWriter.OpenAsync(PrivateFiles.OpenReadWrite(CastPath(reservationId)), $"{board}, reservation {reservationId}", options.Value.MaxLogBytes, clock, cancellationToken);
        // Lossless: a flood faster than the disk slows the console's reading rather than leave holes in the recording.
        recording.Watcher = broker.Watch(board, recording.WriteAsync, lossless: true);
    }

    private async Task StopAsync(int reservationId)
    {
        if (_recordings.TryRemove(reservationId, out var recording))
        {
            await recording.DisposeAsync();
        }
    }

    private sealed class Recording(long maxBytes) : IAsyncDisposable
    {
        public Task Opening { get; set; } = Task.CompletedTask;

        public FileStream? Log { get; set; }

        public AsciicastWriter? Cast { get; set; }

        public ConsoleWatcher? Watcher { get; set; }

        // Called by the watcher, which exists only once both files are open; its delivery is its acknowledgement.
        public async Task WriteAsync(ReadOnlyMemory<byte> data)
        {
            var room = (int)Math.Max(0, Math.Min(data.Length, maxBytes - Log!.Position));
            if (room > 0)
            {
                await Log.WriteAsync(data[..room]);
                await Log.FlushAsync();
            }

            await Cast!.WriteOutputAsync(data, CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            // A stop while the files open waits for them, so nothing is left open.
            try
            {
                await Opening;
            }
            catch (Exception) when (Opening.IsFaulted || Opening.IsCanceled)
            {
                // Opening failed and was reported to whoever started it; close what it opened.
            }

            if (Watcher is not null)
            {
                await Watcher.DisposeAsync();
            }

            if (Cast is not null)
            {
                await Cast.DisposeAsync();
            }

            if (Log is not null)
            {
                await Log.DisposeAsync();
            }
        }
    }
}
