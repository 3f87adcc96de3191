using System.Net.WebSockets;
using System.Text;

namespace Portal.Cli;

/// <summary>How a WebSocket session with the portal ended.</summary>
public sealed record SocketEnd(WebSocketCloseStatus? Status, string? Reason)
{
    /// <summary>The portal closed it because a right is missing or went away (e.g. the reservation ended).</summary>
    public bool Refused => Status == WebSocketCloseStatus.PolicyViolation;
}

/// <summary>Reading and writing the portal's WebSockets: binary frames carry bytes, text frames carry JSON notices.</summary>
public static class SocketPump
{
    public const int BufferBytes = 64 * 1024;

    /// <summary>Hands every binary message to <paramref name="onBytes"/> and every text message to <paramref name="onText"/> until the portal closes.</summary>
    public static async Task<SocketEnd> ReceiveAsync(WebSocket socket, Func<ReadOnlyMemory<byte>, Task> onBytes, Func<string, Task> onText, CancellationToken ct)
    {
        var buffer = new byte[BufferBytes];
        var text = new StringBuilder();
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                switch (received.MessageType)
                {
                    case WebSocketMessageType.Close:
                        if (socket.State == WebSocketState.CloseReceived)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                        }

                        return new SocketEnd(socket.CloseStatus, socket.CloseStatusDescription);
                    case WebSocketMessageType.Text:
                        text.Append(Encoding.UTF8.GetString(buffer, 0, received.Count));
                        if (received.EndOfMessage)
                        {
                            await onText(text.ToString());
                            text.Clear();
                        }

                        break;
                    default:
                        await onBytes(buffer.AsMemory(0, received.Count));
                        break;
                }
            }
        }
        catch (WebSocketException ex)
        {
            return new SocketEnd(null, $"the connection to the portal was lost ({ex.Message})");
        }
    }

    /// <summary>
    /// Sends what the stream gives until it ends, then (with <paramref name="closeAtEnd"/>) says so with a close, so
    /// a tunnel passes the end on; returns the bytes sent.
    /// </summary>
    public static async Task<long> SendAsync(Stream input, WebSocket socket, CancellationToken ct, bool closeAtEnd = true)
    {
        var buffer = new byte[BufferBytes];
        long sent = 0;
        try
        {
            int read;
            while ((read = await input.ReadAsync(buffer, ct)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, true, ct);
                sent += read;
            }

            if (closeAtEnd && socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "end of input", ct);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The portal closed first; the receiving side says why.
        }

        return sent;
    }
}
