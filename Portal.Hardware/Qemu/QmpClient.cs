using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portal.Hardware.Qemu;

/// <summary>
/// The QEMU Machine Protocol over a Unix socket: one JSON object per line, a greeting, capability negotiation,
/// then commands answered by <c>return</c> or <c>error</c>, with asynchronous <c>event</c> lines in between.
/// </summary>
internal sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private QmpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public static async Task<QmpClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new QmpClient(socket);
        try
        {
            var greeting = await client.ReadMessageAsync(cancellationToken);
            if (greeting["QMP"] is null)
            {
                throw new IOException($"QMP socket {socketPath} did not greet with QMP");
            }

            await client.ExecuteAsync("qmp_capabilities", cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs one command and returns its <c>return</c> value; a QMP error becomes a <see cref="PowerDriverException"/>.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var request = Encoding.UTF8.GetBytes(new JsonObject { ["execute"] = command }.ToJsonString() + "\n");
            await _stream.WriteAsync(request, cancellationToken);
            while (true)
            {
                var message = await ReadMessageAsync(cancellationToken);
                if (message.ContainsKey("return"))
                {
                    return message["return"];
                }

                if (message["error"] is { } error)
                {
                    throw new PowerDriverException($"QEMU refused {command}: {error["desc"]?.GetValue<string>() ?? error.ToJsonString()}");
                }

                // Anything else is an event (RESET, STOP, SHUTDOWN...), which the state query reads anyway.
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<JsonObject> ReadMessageAsync(CancellationToken cancellationToken)
    {
        var line = await _reader.ReadLineAsync(cancellationToken) ?? throw new IOException("QEMU closed its QMP socket");
        try
        {
            return JsonNode.Parse(line) as JsonObject ?? throw new IOException($"QMP sent something other than an object: {line}");
        }
        catch (JsonException ex)
        {
            throw new IOException($"QMP sent a line that is not JSON: {line}", ex);
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _socket.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
