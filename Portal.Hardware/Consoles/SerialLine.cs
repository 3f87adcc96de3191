using System.Threading.Channels;

namespace Portal.Hardware.Consoles;

/// <summary>
/// The output side of a serial line inside the portal (a simulated board, a QEMU chardev): like a real line, every
/// byte goes to whoever is listening at that moment.
/// </summary>
public sealed class SerialLine
{
    private readonly Lock _gate = new();
    private readonly List<Channel<byte[]>> _listeners = [];

    /// <summary>Attaches a listener; its channel receives every byte printed from now on until it detaches.</summary>
    public ChannelReader<byte[]> Attach(out Action detach)
    {
        var channel = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            _listeners.Add(channel);
        }

        detach = () =>
        {
            lock (_gate)
            {
                _listeners.Remove(channel);
            }

            channel.Writer.TryComplete();
        };
        return channel.Reader;
    }

    public void Print(byte[] data)
    {
        lock (_gate)
        {
            foreach (var listener in _listeners)
            {
                listener.Writer.TryWrite(data);
            }
        }
    }
}

/// <summary>A console's stream over a <see cref="SerialLine"/>: reads what the line prints while open, writes are typed input.</summary>
public sealed class SerialLineStream : Stream
{
    private readonly ChannelReader<byte[]> _output;
    private readonly Action _detach;
    private readonly Func<ReadOnlyMemory<byte>, CancellationToken, Task> _type;
    private ReadOnlyMemory<byte> _pending;

    public SerialLineStream(SerialLine line, Func<ReadOnlyMemory<byte>, CancellationToken, Task> type)
    {
        _output = line.Attach(out _detach);
        _type = type;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_pending.IsEmpty)
        {
            if (!await _output.WaitToReadAsync(cancellationToken) || !_output.TryRead(out var chunk))
            {
                return 0;
            }

            _pending = chunk;
        }

        var count = Math.Min(buffer.Length, _pending.Length);
        _pending[..count].CopyTo(buffer);
        _pending = _pending[count..];
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(_type(buffer, cancellationToken));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _type(buffer.AsMemory(offset, count), cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _type(buffer.AsMemory(offset, count), CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _detach();
        }

        base.Dispose(disposing);
    }
}
