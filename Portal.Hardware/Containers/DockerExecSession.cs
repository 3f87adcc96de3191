using System.Buffers;
using System.Runtime.InteropServices;
using Docker.DotNet;

namespace Portal.Hardware.Containers;

/// <summary><c>docker exec -it</c>: one shell in a container, for one terminal tab.</summary>
internal sealed class DockerExecSession(DockerContainerProvider provider, string execId, MultiplexedStream stream) : IShellSession
{
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (MemoryMarshal.TryGetArray<byte>(buffer, out var segment))
        {
            var result = await stream.ReadOutputAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken);
            return result.EOF ? 0 : result.Count;
        }

        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var result = await stream.ReadOutputAsync(rented, 0, buffer.Length, cancellationToken);
            rented.AsSpan(0, result.Count).CopyTo(buffer.Span);
            return result.EOF ? 0 : result.Count;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var bytes = input.ToArray();
        await stream.WriteAsync(bytes, 0, bytes.Length, cancellationToken);
    }

    public Task ResizeAsync(int columns, int rows, CancellationToken cancellationToken) =>
        provider.ResizeExecAsync(execId, columns, rows, cancellationToken);

    public Task<int?> ExitCodeAsync(CancellationToken cancellationToken) => provider.ExecExitCodeAsync(execId, cancellationToken);

    public ValueTask DisposeAsync()
    {
        stream.Dispose();
        return ValueTask.CompletedTask;
    }
}
