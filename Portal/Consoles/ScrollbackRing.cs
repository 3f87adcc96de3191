namespace Portal.Consoles;

/// <summary>The last N bytes a console printed; older bytes are overwritten. Not thread-safe: the session locks.</summary>
internal sealed class ScrollbackRing(int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];
    private int _start;
    private int _count;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.Length >= _buffer.Length)
        {
            data[^_buffer.Length..].CopyTo(_buffer);
            (_start, _count) = (0, _buffer.Length);
            return;
        }

        var end = (_start + _count) % _buffer.Length;
        var first = Math.Min(data.Length, _buffer.Length - end);
        data[..first].CopyTo(_buffer.AsSpan(end));
        data[first..].CopyTo(_buffer);
        var overflow = Math.Max(0, _count + data.Length - _buffer.Length);
        _start = (_start + overflow) % _buffer.Length;
        _count = Math.Min(_buffer.Length, _count + data.Length);
    }

    public byte[] Snapshot()
    {
        var copy = new byte[_count];
        var first = Math.Min(_count, _buffer.Length - _start);
        _buffer.AsSpan(_start, first).CopyTo(copy);
        _buffer.AsSpan(0, _count - first).CopyTo(copy.AsSpan(first));
        return copy;
    }
}
