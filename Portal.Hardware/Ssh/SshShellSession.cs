using Renci.SshNet;

namespace Portal.Hardware.Ssh;

/// <summary>One SSH shell on a pty; disposing it closes the channel and the connection.</summary>
public sealed class SshShellSession : IShellSession
{
    private readonly SshClient _client;
    private readonly ShellStream _stream;

    // ShellStream buffers writes and sends them on flush; two writers at once would send a buffer twice.
    private readonly SemaphoreSlim _writing = new(1, 1);

    internal SshShellSession(SshClient client, ShellStream stream, string hostKeyFingerprint)
    {
        _client = client;
        _stream = stream;
        HostKeyFingerprint = hostKeyFingerprint;
    }

    /// <summary>The server's host key as <c>ssh-keygen -lf</c> prints it: <c>SHA256:</c> and unpadded base64.</summary>
    public string HostKeyFingerprint { get; }

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            // ShellStream's Read blocks until output arrives or the channel closes (0); disposal releases it.
            return await _stream.ReadAsync(buffer, CancellationToken.None).AsTask().WaitAsync(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
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
        _stream.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
