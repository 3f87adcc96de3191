using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Portal.Cli;

/// <summary>tunnel (stdin/stdout, for ssh's ProxyCommand) and forward (a local port): raw TCP to a port the board offers.</summary>
public static class TunnelCommands
{
    public static IEnumerable<Command> All() => [Tunnel(), Forward()];

    private static Command Tunnel()
    {
        var board = new Argument<string>("board");
        var port = new Argument<int>("port") { Description = "A port the board offers (portal boards BOARD lists them)" };
        var command = new Command("tunnel", "Connect stdin and stdout to a port of a board you hold, e.g. ssh -o ProxyCommand='portal tunnel %h 22' root@pine-01") { board, port };
        command.Handle(async (parse, api, ct) =>
        {
            using var socket = await api.ConnectAsync(TunnelPath(parse.GetValue(board)!, parse.GetValue(port)), ct);
            var stdout = Console.OpenStandardOutput();
            _ = SocketPump.SendAsync(Console.OpenStandardInput(), socket, ct);
            var end = await SocketPump.ReceiveAsync(socket, async data =>
            {
                await stdout.WriteAsync(data, ct);
                await stdout.FlushAsync(ct);
            }, _ => Task.CompletedTask, ct);
            return Ended(parse, end);
        });
        return command;
    }

    private static Command Forward()
    {
        var board = new Argument<string>("board");
        var port = new Argument<int>("port") { Description = "A port the board offers" };
        var listen = new Option<string>("--listen") { Description = "Local address to listen on (default 127.0.0.1 and a free port)", DefaultValueFactory = _ => "127.0.0.1:0" };
        var command = new Command("forward", "Serve a port of a board you hold on a local port, one tunnel per connection, until Ctrl-C") { board, port, listen };
        command.Handle(async (parse, api, ct) =>
        {
            var (name, remote) = (parse.GetValue(board)!, parse.GetValue(port));
            // Refusals (not the holder, a port not offered) show before anything listens.
            (await api.ConnectAsync(TunnelPath(name, remote), ct)).Dispose();
            using var listener = Listen(parse.GetValue(listen)!);
            Cli.Say($"Forwarding {listener.LocalEndpoint} to {name} port {remote}; Ctrl-C to stop.");
            return await ServeAsync(listener, async (client, token) =>
            {
                using var socket = await api.ConnectAsync(TunnelPath(name, remote), token);
                var stream = client.GetStream();
                var sending = SocketPump.SendAsync(stream, socket, token);
                var end = await SocketPump.ReceiveAsync(socket, data => stream.WriteAsync(data, token).AsTask(), _ => Task.CompletedTask, token);
                if (end.Reason is { Length: > 0 } reason && end.Status != WebSocketCloseStatus.NormalClosure)
                {
                    Cli.Say($"portal: {reason}");
                }

                client.Client.Shutdown(SocketShutdown.Send);
                await sending;
            }, ct);
        });
        return command;
    }

    public static string TunnelPath(string board, int port) => $"api/v1/boards/{Uri.EscapeDataString(board)}/tunnels/{port}";

    /// <summary>The exit code of a session the portal ended: 0 when the other side just closed, 3 with the reason when a right was missing.</summary>
    public static int Ended(System.CommandLine.ParseResult parse, SocketEnd end) => end switch
    {
        { Refused: true } => Cli.Fail(parse, ExitCodes.Refused, Sentence(end.Reason)),
        { Status: WebSocketCloseStatus.NormalClosure } => ExitCodes.Ok,
        _ => Cli.Fail(parse, ExitCodes.Failed, Sentence(end.Reason ?? "the portal closed the connection")),
    };

    public static TcpListener Listen(string address)
    {
        if (!IPEndPoint.TryParse(address, out var endpoint))
        {
            throw new CliException(ExitCodes.Usage, $"--listen '{address}' is not an address like 127.0.0.1:2323.");
        }

        var listener = new TcpListener(endpoint);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            throw new CliException(ExitCodes.Failed, $"Cannot listen on {address}: {ex.Message}");
        }

        return listener;
    }

    /// <summary>Serves each local connection on its own task until Ctrl-C; one failing connection says why and the rest go on.</summary>
    public static async Task<int> ServeAsync(TcpListener listener, Func<TcpClient, CancellationToken, Task> serve, CancellationToken ct)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(ct);
                client.NoDelay = true;
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            await serve(client, ct);
                        }
                        catch (CliException ex)
                        {
                            Cli.Say($"portal: {ex.Message}");
                        }
                        catch (Exception ex) when (ex is IOException or SocketException or WebSocketException or OperationCanceledException)
                        {
                            // The local client or the portal went away; the next connection starts afresh.
                        }
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Task.WhenAll(connections);
            return ExitCodes.Ok;
        }
    }

    private static string Sentence(string? reason) =>
        reason is null ? "The portal closed the connection." : char.ToUpperInvariant(reason[0]) + reason[1..].TrimEnd('.') + ".";
}
