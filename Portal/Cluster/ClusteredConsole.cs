using Portal.Hardware;

namespace Portal.Cluster;

/// <summary>
/// A board's console in a cluster of portals: opened, it is the device itself when this instance holds (or takes) the
/// board's console lock, else the owner's output as notified. The lock is kept across reopenings (a device that went
/// away, a loan to a sandbox), so the board stays with this instance until its console session ends.
/// </summary>
internal class ClusteredConsole(string board, IConsole device, ClusterConsoles cluster) : IConsole, IAsyncDisposable
{
    private ClusterLock? _held;
    private bool _opened;

    public string Describe => device.Describe;

    protected IConsole Device => device;

    protected ClusterConsoles Cluster => cluster;

    protected string Board => board;

    public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        // The first connection brings the scrollback the cluster has; later ones continue the session's own.
        var withScrollback = !_opened;
        if (_held is { Lost.IsCancellationRequested: true })
        {
            await _held.DisposeAsync();
            _held = null;
        }

        _held ??= await cluster.TryTakeAsync(board, cancellationToken);
        Stream stream = _held is null
            ? cluster.Follow(board, this, withScrollback)
            : cluster.Own(board, device, await device.OpenAsync(cancellationToken), _held, withScrollback);
        _opened = true;
        return stream;
    }

    /// <summary>A session following another instance found the board's lock free: the owner went, and this instance now holds it.</summary>
    internal void TookOver(ClusterLock held) => _held = held;

    public async ValueTask DisposeAsync()
    {
        if (_held is not null)
        {
            await _held.DisposeAsync();
            _held = null;
        }
    }
}

/// <summary>A console that can send a break, in a cluster: on the device, or through the instance that has it.</summary>
internal sealed class BreakableClusteredConsole(string board, IBreakableConsole device, ClusterConsoles cluster)
    : ClusteredConsole(board, device, cluster), IBreakableConsole
{
    public Task SendBreakAsync(Stream stream, CancellationToken cancellationToken)
    {
        switch (stream)
        {
            case OwnedConsoleStream owned:
                return owned.SendBreakAsync(device, cancellationToken);
            case RemoteConsoleStream:
                Cluster.SendBreak(Board);
                return Task.CompletedTask;
            default:
                throw new ArgumentException("Not a stream this console opened.", nameof(stream));
        }
    }
}
