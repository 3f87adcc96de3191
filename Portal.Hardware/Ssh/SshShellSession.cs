using Renci.SshNet;

namespace Portal.Hardware.Ssh;

/// <summary>
/// One SSH shell on a pty; disposing it closes the channel and the connection. SSH.NET receives the channel's data on
/// its own thread into the shell stream's unbounded buffer; this session holds that thread while more than
/// <see cref="BufferLimit"/> bytes wait to be read, so a reader that stops reading (a browser that is behind) stops
/// the socket, the SSH window and finally the remote program, instead of growing the portal's memory.
/// </summary>
public sealed class SshShellSession : IShellSession
{
    /// <summary>How many received bytes may wait in the session before it stops taking more from the server.</summary>
    public const int BufferLimit = 256 * 1024;

    private readonly SshClient _client;
    private readonly ShellStream _stream;
    private readonly object _room = new(); // a Monitor, for Wait and PulseAll
    private bool _closed;

    // ShellStream buffers writes and sends them on flush; two writers at once would send a buffer twice.
    private readonly SemaphoreSlim _writing = new(1, 1);

    internal SshShellSession(SshClient client, ShellStream stream, string hostKeyFingerprint)
    {
        _client = client;
        _stream = stream;
        HostKeyFingerprint = hostKeyFingerprint;
        _stream.DataReceived += (_, _) => HoldWhileFull();
    }

    /// <summary>The server's host key as <c>ssh-keygen -lf</c> prints it: <c>SHA256:</c> and unpadded base64.</summary>
    public string HostKeyFingerprint { get; }

    /// <summary>Bytes received from the server and not yet read.</summary>
    public long Buffered => _stream.Length;

    /// <summary>Runs on SSH.NET's receiving thread after each packet: it waits there until the reader made room.</summary>
    private void HoldWhileFull()
    {
        lock (_room)
        {
            while (!_closed && _stream.Length > BufferLimit)
            {
                Monitor.Wait(_room);
            }
        }
    }

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            // ShellStream's Read blocks until output arrives or the channel closes (0); disposal releases it.
            read = await _stream.ReadAsync(buffer, CancellationToken.None).AsTask().WaitAsync(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }

        lock (_room)
        {
            Monitor.PulseAll(_room);
        }

        return read;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(input, cancellationToken);
            await _stream.FlushAsync(cancellationToken);
        }
        finally
        {
            _writing.Release();
        }
    }

    public Task ResizeAsync(int columns, int rows, CancellationToken cancellationToken)
    {
        _stream.ChangeWindowSize((uint)columns, (uint)rows, 0, 0);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        // Let a held receiving thread go first: disconnecting waits for it.
        lock (_room)
        {
            _closed = true;
            Monitor.PulseAll(_room);
        }

        _stream.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
