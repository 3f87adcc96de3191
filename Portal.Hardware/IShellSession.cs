namespace Portal.Hardware;

/// <summary>
/// An interactive shell on a pseudo-terminal that belongs to one person's terminal tab: an SSH session to a board,
/// or <c>docker exec -it</c> in a sandbox. Unlike <see cref="IConsole"/> it is never shared; disposing it ends it.
/// </summary>
public interface IShellSession : IAsyncDisposable
{
    /// <summary>Output of the shell; reading 0 bytes means the shell ended.</summary>
    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    ValueTask WriteAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken);

    /// <summary>Tells the remote pty the terminal's new size, so full-screen programs and <c>stty size</c> follow the window.</summary>
    Task ResizeAsync(int columns, int rows, CancellationToken cancellationToken);

    /// <summary>After the output ended: the command's exit code, when the session knows it.</summary>
    Task<int?> ExitCodeAsync(CancellationToken cancellationToken) => Task.FromResult<int?>(null);
}
