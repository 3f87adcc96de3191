using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Portal.Cluster;

/// <summary>
/// Named locks shared by the portals on one PostgreSQL database: session advisory locks, all held on one connection of
/// this instance. PostgreSQL drops them when that connection ends, and so when the process dies (kill -9, power loss):
/// that is the failover. The connection is checked every <see cref="CheckInterval"/>; once it is found broken, every
/// lock it held is reported lost, since another instance may hold it by now.
/// </summary>
public sealed class ClusterLocks(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<ClusterLocks> logger) : BackgroundService
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<long, ClusterLock> _held = [];
    private NpgsqlConnection? _connection;
    private bool _stopped;

    /// <summary>Takes the lock named <paramref name="name"/> if nobody (here or elsewhere) holds it and this instance is not stopping; null otherwise.</summary>
    public async Task<ClusterLock?> TryTakeAsync(string name, CancellationToken cancellationToken)
    {
        var key = KeyOf(name);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_stopped || _held.ContainsKey(key))
            {
                // Advisory locks are re-entrant within a session; within this instance the first holder keeps it.
                return null;
            }

            var connection = await ConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection) { Parameters = { new() { Value = key } }, CommandTimeout = 5 };
            if (await command.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return null;
            }

            var taken = new ClusterLock(name, this, key);
            _held[key] = taken;
            return taken;
        }
        catch (NpgsqlException)
        {
            await DropConnectionAsync();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal async Task ReleaseAsync(ClusterLock held)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_held.Remove(held.Key) || held.Lost.IsCancellationRequested || _connection is null)
            {
                return;
            }

            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", _connection) { Parameters = { new() { Value = held.Key } }, CommandTimeout = 5 };
            await command.ExecuteScalarAsync();
        }
        catch (NpgsqlException ex)
        {
            // The connection is gone, and the lock with it.
            logger.LogDebug(ex, "Releasing the cluster lock {Lock} failed", held.Name);
            await DropConnectionAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckInterval, clock, stoppingToken);
                await CheckAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Not given up when the host's stop is cut short: an instance that stops must let its locks go (a command
        // still holding the gate ends within its own timeout).
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            // Closing the connection releases every lock at once, for the other instances to take over.
            _stopped = true;
            await DropConnectionAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is null)
            {
                return;
            }

            await using var command = new NpgsqlCommand("SELECT 1", _connection);
            command.CommandTimeout = 5;
            await command.ExecuteScalarAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning("The connection holding this instance's cluster locks failed ({Reason}); its jobs and consoles go to whichever instance takes them", ex.Message);
            await DropConnectionAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is null)
        {
            _connection = await dataSource.OpenConnectionAsync(cancellationToken);
        }

        return _connection;
    }

    // Called with the gate held.
    private async Task DropConnectionAsync()
    {
        foreach (var held in _held.Values)
        {
            held.MarkLost();
        }

        _held.Clear();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    /// <summary>A lock's 64-bit key: the first 8 bytes of the SHA-256 of its name, so names need no registry.</summary>
    private static long KeyOf(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"portal:{name}")));
}

/// <summary>A lock this instance holds until it is disposed or <see cref="Lost"/> (its connection failed).</summary>
public sealed class ClusterLock : IAsyncDisposable
{
    private readonly ClusterLocks _owner;
    private readonly CancellationTokenSource _lost = new();

    internal ClusterLock(string name, ClusterLocks owner, long key)
    {
        Name = name;
        _owner = owner;
        Key = key;
    }

    public string Name { get; }

    internal long Key { get; }

    public CancellationToken Lost => _lost.Token;

    internal void MarkLost() => _lost.Cancel();

    public async ValueTask DisposeAsync()
    {
        await _owner.ReleaseAsync(this);
    }
}
