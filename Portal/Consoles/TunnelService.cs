using System.Globalization;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Portal.Audit;
using Portal.Lab;
using Portal.Reservations;

namespace Portal.Consoles;

/// <summary>A tunnel the portal may open: to a port the board's config offers, on the board's own address.</summary>
public sealed record TunnelTarget(string Board, string Host, int Port, int? ReservationId);

/// <summary>
/// Raw TCP between a client's WebSocket and a port of a board (ssh as a ProxyCommand, a web UI): only to the ports
/// the board's <c>Tunnels</c> offer on its <c>Ssh:Host</c>, never another host or port; only for whoever may type into
/// the board (its holder, or an admin, with ConsoleWrite), re-decided whenever reservations or rules change; closed at
/// release; every tunnel audited with the bytes it carried each way. A fixed buffer each way keeps memory flat: the
/// next read waits for the previous write, so a slow side slows the other instead of filling the portal.
/// </summary>
public sealed class TunnelService(
    IOptionsMonitor<LabOptions> lab,
    IOptionsMonitor<ConsoleOptions> options,
    LabCatalog catalog,
    ConsoleAccess consoleAccess,
    LabEvents events,
    ActorResolver actors,
    AuditLog audit,
    ILogger<TunnelService> logger)
{
    public const string AuditAction = "tunnel";

    private const int BufferBytes = 64 * 1024;

    /// <summary>The ports a board offers for tunnels (none for an unknown board).</summary>
    public IReadOnlyList<int> PortsOf(string board) => lab.CurrentValue.FindBoard(board)?.TunnelPorts() ?? [];

    /// <summary>Where a tunnel would go, or the error saying why the actor may not open it.</summary>
    public async Task<(TunnelTarget? Target, ReservationError? Error)> DecideAsync(Actor actor, string board, int port, CancellationToken cancellationToken)
    {
        if (lab.CurrentValue.FindBoard(board) is not { } configured || await catalog.GetBoardAsync(board, cancellationToken) is not { } details)
        {
            return (null, new(ReservationErrorKind.NotFound, $"There is no board named '{board}'."));
        }

        var ports = configured.TunnelPorts();
        if (!ports.Contains(port))
        {
            var offered = ports.Count == 0 ? "it offers no tunnels" : $"it offers {string.Join(", ", ports)}";
            return (null, new(ReservationErrorKind.Forbidden, $"Board {configured.Name} offers no tunnel to port {port}; {offered}."));
        }

        if (await RefusalAsync(actor, configured.Name!, cancellationToken) is { } refusal)
        {
            return (null, new(ReservationErrorKind.Forbidden, refusal));
        }

        return (new TunnelTarget(configured.Name!, configured.Ssh!.Host!, port, details.Board.Holder?.ReservationId), null);
    }

    /// <summary>
    /// Connects to the board and carries bytes until either side closes or the right goes; the WebSocket is closed
    /// with the reason the portal ended it (e.g. "reservation of pine-01 ended").
    /// </summary>
    public async Task RunAsync(Actor actor, TunnelTarget target, WebSocket socket, CancellationToken cancellationToken)
    {
        var channel = new SocketChannel(socket);
        using var tcp = new TcpClient { NoDelay = true };
        try
        {
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connecting.CancelAfter(options.CurrentValue.SshConnectTimeout);
            await tcp.ConnectAsync(target.Host, target.Port, connecting.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            var reason = ex is SocketException socketError ? socketError.Message : $"no answer within {options.CurrentValue.SshConnectTimeout.TotalSeconds:0} s";
            logger.LogWarning("Tunnel of {User} to {Board} port {Port} ({Host}) failed: {Reason}", actor.Email, target.Board, target.Port, target.Host, reason);
            await channel.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, $"{target.Board} port {target.Port} did not answer: {reason}");
            return;
        }

        logger.LogInformation("Tunnel of {User} to {Board} port {Port} opened", actor.Email, target.Board, target.Port);
        var stream = tcp.GetStream();
        long toBoard = 0, fromBoard = 0;
        await using (new AccessRecheck(events, actors, actor, target.Board, (now, ct) => ClosingReasonAsync(actor, now, target.Board, ct), async reason =>
        {
            await channel.CloseAsync(WebSocketCloseStatus.PolicyViolation, $"tunnel closed: {reason}");
            tcp.Close();
        }))
        {
            var upstream = Task.Run(async () =>
            {
                var buffer = new byte[BufferBytes];
                try
                {
                    while (true)
                    {
                        var received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                        if (received.MessageType == WebSocketMessageType.Close)
                        {
                            // The client has nothing more to send: pass the half-close on, keep reading the board.
                            tcp.Client.Shutdown(SocketShutdown.Send);
                            return;
                        }

                        await stream.WriteAsync(buffer.AsMemory(0, received.Count), cancellationToken);
                        Interlocked.Add(ref toBoard, received.Count);
                    }
                }
                catch (Exception ex) when (IsDisconnect(ex))
                {
                    tcp.Close();
                }
            }, CancellationToken.None);

            var buffer = new byte[BufferBytes];
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await channel.SendBinaryAsync(buffer.AsMemory(0, read), cancellationToken);
                    fromBoard += read;
                }

                await channel.CloseAsync(WebSocketCloseStatus.NormalClosure, $"{target.Board} port {target.Port} closed the connection");
            }
            catch (Exception ex) when (IsDisconnect(ex))
            {
                // The board or the client went away, or the right did (then the socket already says why).
            }

            // The client answers the close; one that does not is cut off.
            if (await Task.WhenAny(upstream, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)) != upstream)
            {
                socket.Abort();
                await upstream;
            }
        }

        var details = string.Create(CultureInfo.InvariantCulture, $"port {target.Port}: {Interlocked.Read(ref toBoard)} bytes to the board, {fromBoard} bytes from it");
        if (channel.ClosedBecause is { } closed)
        {
            details += $"; {closed}";
        }

        logger.LogInformation("Tunnel of {User} to {Board} closed: {Details}", actor.Email, target.Board, details);
        await audit.WriteAsync(actor.Email, AuditAction, target.Board, target.ReservationId, details, CancellationToken.None);
    }

    /// <summary>Null while a tunnel may stay open, else why it closes.</summary>
    private async Task<string?> ClosingReasonAsync(Actor opened, Actor now, string board, CancellationToken cancellationToken) =>
        await consoleAccess.DecideAsync(now, board, cancellationToken) switch
        {
            { Holds: false } when opened.IsAdmin && !now.IsAdmin => "you are no longer an admin",
            { Holds: false } => $"reservation of {board} ended",
            { CanType: false } rights => rights.TypeRefusal,
            _ => null,
        };

    /// <summary>The tunnel's right is the right to type into the board: the holder (or an admin) with ConsoleRead and ConsoleWrite.</summary>
    private async Task<string?> RefusalAsync(Actor actor, string board, CancellationToken cancellationToken)
    {
        var rights = await consoleAccess.DecideAsync(actor, board, cancellationToken);
        if (rights.CanType)
        {
            return null;
        }

        if (!rights.Holds)
        {
            var holder = (await catalog.GetBoardAsync(board, cancellationToken))?.Board.Holder;
            return holder is null
                ? $"You do not hold {board}; reserve it first."
                : $"{board} is held by {holder.Email} until {holder.ExpiresAt:yyyy-MM-dd HH:mm} UTC.";
        }

        return $"You may not open a tunnel to {board}: {rights.TypeRefusal}.";
    }

    private static bool IsDisconnect(Exception ex) =>
        ex is IOException or SocketException or WebSocketException or ObjectDisposedException or OperationCanceledException;
}
