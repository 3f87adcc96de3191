using System.Net.WebSockets;
using System.Text.Json;

namespace Portal.Consoles;

/// <summary>What the portal says on a console WebSocket besides the console's bytes (a text frame of JSON).</summary>
/// <param name="Type"><c>hello</c> first (may this client type?), <c>refused</c> when input or a break was refused, <c>break</c> when a break was sent, <c>sync</c> in answer to the client's.</param>
public sealed record ConsoleNotice(string Type, bool? CanType = null, string? Detail = null);

/// <summary>
/// What a client may ask on a console WebSocket besides typing (a text frame of JSON): <c>{"type":"break"}</c>, or
/// <c>{"type":"sync"}</c>, answered once everything sent before it was handled (so a client knows its input was taken).
/// </summary>
public sealed record ConsoleRequest(string? Type);

/// <summary>
/// A board's console over a WebSocket, for the API and the <c>portal console</c> command: attached to the board's one
/// console connection like a browser tab (the scrollback first, the same flow control, the same recording), with
/// the console's bytes in binary frames both ways. Whether the client may watch is decided before it is attached and
/// again whenever its board's reservations, the rules or the user's account change; whether it may type, on every
/// message it sends.
/// </summary>
public sealed class ConsoleSocketSession(ConsoleBroker broker, ConsoleAccess consoleAccess, ConsoleBreakService breaks, LabEvents events, ActorResolver actors, ILogger<ConsoleSocketSession> logger)
{
    private const int MaxMessageBytes = 64 * 1024;

    public async Task RunAsync(Actor actor, string board, WebSocket socket, bool replayScrollback, CancellationToken cancellationToken)
    {
        var channel = new SocketChannel(socket);
        var rights = await consoleAccess.DecideAsync(actor, board, cancellationToken);
        await channel.SendTextAsync(Json(new ConsoleNotice("hello", rights.CanType, rights.TypeRefusal)), cancellationToken);

        ConsoleWatcher? watcher = null;
        // Acknowledged once the client's TCP connection took the bytes: a client that does not read stops receiving
        // above the high watermark and is resynced from the scrollback, as a slow browser is.
        watcher = broker.Watch(board, async data =>
        {
            await channel.SendBinaryAsync(data, cancellationToken);
            watcher?.Acknowledge(data.Length);
        }, replayScrollback);
        if (watcher is null)
        {
            await channel.CloseAsync(WebSocketCloseStatus.PolicyViolation, $"Board {board} has no console.");
            return;
        }

        logger.LogInformation("Console of {Board} attached over the API by {User}", board, actor.Email);
        await using (watcher)
        await using (new AccessRecheck(events, actors, actor, board, (now, ct) => ReadRefusalAsync(now, board, ct), reason => channel.CloseAsync(WebSocketCloseStatus.PolicyViolation, $"console closed: {reason}")))
        {
            var buffer = new byte[MaxMessageBytes];
            try
            {
                while (true)
                {
                    var received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        await channel.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye");
                        break;
                    }

                    if (received.MessageType == WebSocketMessageType.Text)
                    {
                        await HandleRequestAsync(actor, watcher, channel, buffer.AsMemory(0, received.Count), cancellationToken);
                        continue;
                    }

                    // Decided again for every message, for the user as they are now: a release, a rule change or an admin's
                    // demotion takes effect at the next key.
                    rights = await consoleAccess.DecideAsync(await actors.CurrentAsync(actor, cancellationToken), board, cancellationToken);
                    if (!rights.CanType)
                    {
                        logger.LogWarning("Input to the console of {Board} by {User} refused: {Reason}", board, actor.Email, rights.TypeRefusal);
                        await channel.SendTextAsync(Json(new ConsoleNotice("refused", false, $"You may not type into {board}: {rights.TypeRefusal}.")), cancellationToken);
                        continue;
                    }

                    await watcher.WriteAsync(buffer.AsMemory(0, received.Count).ToArray(), cancellationToken);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
                // The client went away.
            }
        }

        logger.LogInformation("Console of {Board} detached from the API by {User}", board, actor.Email);
    }

    private async Task HandleRequestAsync(Actor actor, ConsoleWatcher watcher, SocketChannel channel, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        ConsoleRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<ConsoleRequest>(message.Span, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request?.Type == "sync")
        {
            // Messages are handled in order: whatever was said about the input before this has been sent.
            await channel.SendTextAsync(Json(new ConsoleNotice("sync")), cancellationToken);
            return;
        }

        if (request?.Type != "break")
        {
            await channel.SendTextAsync(Json(new ConsoleNotice("refused", Detail: "A text message must be {\"type\":\"break\"} or {\"type\":\"sync\"}; send keys as binary messages.")), cancellationToken);
            return;
        }

        var refusal = await breaks.SendAsync(await actors.CurrentAsync(actor, cancellationToken), watcher, cancellationToken);
        await channel.SendTextAsync(Json(refusal is null ? new ConsoleNotice("break") : new ConsoleNotice("refused", Detail: refusal)), cancellationToken);
    }

    private async Task<string?> ReadRefusalAsync(Actor actor, string board, CancellationToken cancellationToken) =>
        (await consoleAccess.DecideAsync(actor, board, cancellationToken)).ReadRefusal;

    private static string Json(ConsoleNotice notice) => JsonSerializer.Serialize(notice, JsonSerializerOptions.Web);
}
