using System.Threading.Channels;
using Portal.Consoles;
using Portal.Hardware;

namespace Portal.Cluster;

/// <summary>
/// The device of a console this instance owns: what it reads goes to the other instances as well, and their watchers'
/// input is written to it between the local writes. A lost lock (this instance's database connection failed) ends it:
/// another instance may have the board by then.
/// </summary>
internal sealed class OwnedConsoleStream : ConsoleStream
{
    private readonly IConsole _console;
    private readonly Stream _device;
    private readonly ClusterLock _held;
    private readonly ClusterConsoles _cluster;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    // Input from the other instances' watchers; a null entry is a break.
    private readonly Channel<byte[]?> _input = Channel.CreateUnbounded<byte[]?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _writing;
    private ReadOnlyMemory<byte> _scrollback;

    public OwnedConsoleStream(string board, IConsole console, Stream device, ClusterLock held, ClusterConsoles cluster, byte[] scrollback)
    {
        Board = board;
        _console = console;
        _device = device;
        _held = held;
        _cluster = cluster;
        _scrollback = scrollback;
        _writing = WriteRemoteInputAsync();
    }

    public string Board { get; }

    internal void Input(byte[]? data) => _input.Writer.TryWrite(data);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_scrollback.Length > 0)
        {
            var count = Math.Min(buffer.Length, _scrollback.Length);
            _scrollback[..count].CopyTo(buffer);
            _scrollback = _scrollback[count..];
            return count;
        }

        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _held.Lost);
        int read;
        try
        {
            read = await _device.ReadAsync(buffer, reading.Token);
        }
        catch (OperationCanceledException) when (_held.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ConsoleMovedException($"this instance lost the console of {Board}");
        }

        if (read > 0)
        {
            _cluster.SendOutput(Board, buffer.Span[..read]);
        }

        return read;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await _device.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _device.FlushAsync(cancellationToken);

    public async Task SendBreakAsync(IBreakableConsole console, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await console.SendBreakAsync(_device, cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task WriteRemoteInputAsync()
    {
        try
        {
            await foreach (var data in _input.Reader.ReadAllAsync(_closing.Token))
            {
                try
                {
                    if (data is null)
                    {
                        if (_console is IBreakableConsole breakable)
                        {
                            await SendBreakAsync(breakable, _closing.Token);
                        }
                    }
                    else
                    {
                        await WriteAsync(data, _closing.Token);
                        await FlushAsync(_closing.Token);
                    }
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    // The device went away: the session says so and reopens it; typing elsewhere meanwhile is lost, as here.
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _cluster.Disown(this);
        _input.Writer.TryComplete();
        await _closing.CancelAsync();
        await _writing;
        await _device.DisposeAsync();
        await base.DisposeAsync();
    }

    public override void Flush() => _device.Flush();
}

/// <summary>
/// A console another instance owns: reads are its output as notified, writes go to it as notifications. While nothing
/// arrives it checks every <see cref="ClusterConsoles.OwnerCheckInterval"/> whether the board's lock is free; if so the
/// owner went, this instance now holds the board, and the stream ends with <see cref="ConsoleMovedException"/>.
/// </summary>
internal sealed class RemoteConsoleStream : ConsoleStream
{
    private readonly ClusteredConsole _console;
    private readonly ClusterConsoles _cluster;
    private readonly Channel<byte[]> _output = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private ReadOnlyMemory<byte> _pending;

    public RemoteConsoleStream(string board, ClusteredConsole console, ClusterConsoles cluster)
    {
        Board = board;
        _console = console;
        _cluster = cluster;
    }

    public string Board { get; }

    internal void Offer(byte[] data) => _output.Writer.TryWrite(data);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pending.Length == 0)
        {
            if (_output.Reader.TryRead(out var next))
            {
                _pending = next;
                continue;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(ClusterConsoles.OwnerCheckInterval);
            try
            {
                await _output.Reader.WaitToReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (await _cluster.TryTakeAsync(Board, cancellationToken) is { } held)
                {
                    _console.TookOver(held);
                    throw new ConsoleMovedException($"the instance that had the console of {Board} went");
                }
            }
        }

        var count = Math.Min(buffer.Length, _pending.Length);
        _pending[..count].CopyTo(buffer);
        _pending = _pending[count..];
        return count;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _cluster.SendInput(Board, buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override async ValueTask DisposeAsync()
    {
        _cluster.Unfollow(this);
        await base.DisposeAsync();
    }

    public override void Flush()
    {
    }
}

/// <summary>A console's byte stream both ways, which the console session only ever uses asynchronously.</summary>
internal abstract class ConsoleStream : Stream
{
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Write asynchronously.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
