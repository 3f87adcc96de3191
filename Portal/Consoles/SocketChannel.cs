using System.Net.WebSockets;

namespace Portal.Consoles;

/// <summary>
/// One WebSocket of a console, tunnel or shell client: sends one message at a time (a WebSocket allows no two at
/// once, and output, notices and the close come from different tasks) and closes once, with a reason the client shows.
/// </summary>
public sealed class SocketChannel(WebSocket socket)
{
    private readonly SemaphoreSlim _sending = new(1, 1);
    private int _closing;

    public WebSocket Socket => socket;

    /// <summary>Why the portal closed the socket, if it did.</summary>
    public string? ClosedBecause { get; private set; }

    public Task SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        SendAsync(data, WebSocketMessageType.Binary, cancellationToken);

    public Task SendTextAsync(string text, CancellationToken cancellationToken) =>
        SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, cancellationToken);

    /// <summary>
    /// Sends the close (once) and stops sending; the client answers with its own, which ends the receive loop.
    /// A WebSocket close reason is at most 123 bytes, so a longer sentence is cut.
    /// </summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }

        ClosedBecause = reason;
        await _sending.WaitAsync();
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(status, Fit(reason), CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            // The client is already gone.
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _closing) == 0)
            {
                await socket.SendAsync(data, type, endOfMessage: true, cancellationToken);
            }
        }
        finally
        {
            _sending.Release();
        }
    }

    private static string Fit(string reason)
    {
        while (System.Text.Encoding.UTF8.GetByteCount(reason) > 123)
        {
            reason = reason[..^1];
        }

        return reason;
    }
}
