using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Portal.Benchmarks;

/// <summary>
/// An open page of the portal without a browser: it fetches the page as a browser does, then starts its Blazor
/// Server circuit over a WebSocket as blazor.web.js does (StartCircuit, then the page's interactive root components),
/// acknowledges every render batch and answers every JS interop call with "done, no result". The server cannot tell
/// it from a tab that draws nothing, which is what the fanout benchmark needs: real circuits that keep receiving
/// updates. On a console page it also plays the terminal (Terminal.razor.js): the bytes of each <c>write</c> go to
/// <c>terminalOutput</c> and are acknowledged at once, as xterm.js does once it drew them, so the server's flow control
/// keeps sending. Tested against .NET 10's hub methods; it speaks only what the portal's pages need.
/// </summary>
internal sealed partial class HeadlessCircuit : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly TaskCompletionSource _firstRender = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<byte[]>? _terminalOutput;
    private readonly ConcurrentDictionary<long, byte[]> _byteArrays = new();
    private long _renderBatches;
    private long _nextJsObjectId = 1000;
    private long _nextCallId;
    private volatile bool _closing;
    private long _terminalObjectId;

    private HeadlessCircuit(HubConnection connection, Action<byte[]>? terminalOutput) => (_connection, _terminalOutput) = (connection, terminalOutput);

    /// <summary>Render batches the server has sent this page (its first render and every live update since).</summary>
    public long RenderBatches => Interlocked.Read(ref _renderBatches);

    /// <summary>
    /// Opens <paramref name="path"/> (e.g. <c>boards/pine-01</c>) as the user whose cookies are in <paramref name="cookies"/>;
    /// what the page writes to its terminal goes to <paramref name="terminalOutput"/>, on the connection's thread.
    /// </summary>
    public static async Task<HeadlessCircuit> OpenAsync(Uri baseAddress, string path, CookieContainer cookies, Action<byte[]>? terminalOutput, CancellationToken cancellationToken)
    {
        var page = new Uri(baseAddress, path);
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        var html = await http.GetStringAsync(page, cancellationToken);
        var markers = ServerMarker().Matches(html).Select(m => JsonNode.Parse(m.Groups["json"].Value)!).ToList();
        if (markers.Count == 0)
        {
            throw new InvalidOperationException($"{page} has no interactive server components (not logged in?).");
        }

        var state = ComponentState().Match(html) is { Success: true } found ? found.Groups["state"].Value : "";
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "_blazor"), options =>
            {
                options.Cookies = cookies;
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
            })
            .ConfigureLogging(logging => logging.AddConsole().SetMinimumLevel(LogLevel.Warning));
        // Blazor's hub speaks only "blazorpack"; it replaces the JSON protocol the builder adds by default.
        builder.Services.RemoveAll<IHubProtocol>();
        builder.Services.AddSingleton<IHubProtocol, BlazorPackProtocol>();
        var connection = builder.Build();
        var circuit = new HeadlessCircuit(connection, terminalOutput);
        circuit.Listen();
        await connection.StartAsync(cancellationToken);
        var secret = await connection.InvokeAsync<string>("StartCircuit", baseAddress.ToString(), page.ToString(), "[]", state, cancellationToken);
        if (string.IsNullOrEmpty(secret))
        {
            throw new InvalidOperationException($"The server refused to start a circuit for {page}.");
        }

        var operations = new JsonObject
        {
            ["batchId"] = 1,
            ["operations"] = new JsonArray(markers.Select((marker, i) => (JsonNode)new JsonObject
            {
                ["type"] = "add",
                ["ssrComponentId"] = i + 1,
                ["marker"] = marker,
            }).ToArray()),
        };
        await connection.SendAsync("UpdateRootComponents", operations.ToJsonString(), state, cancellationToken);
        await circuit._firstRender.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return circuit;
    }

    /// <summary>Logs in through the login form, as a person does; the session cookie lands in <paramref name="cookies"/>.</summary>
    public static async Task LogInAsync(Uri address, CookieContainer cookies, string email, string password)
    {
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = address };
        var form = await http.GetStringAsync("Account/Login");
        var token = AntiforgeryToken().Match(form).Groups["token"].Value;
        var response = await http.PostAsync("Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"logging in as {email} answered {(int)response.StatusCode}");
        }
    }

    private void Listen()
    {
        _connection.On("JS.RenderBatch", [typeof(long), typeof(byte[])], async args =>
        {
            Interlocked.Increment(ref _renderBatches);
            _firstRender.TrySetResult();
            await ReplyAsync("OnRenderCompleted", (long)args[0]!, null);
        });
        // (handle, identifier, arguments as JSON, result type, target object, call type), as .NET 10 sends them.
        _connection.On("JS.BeginInvokeJS", [typeof(long), typeof(string), typeof(string), typeof(int), typeof(long), typeof(int)], async args =>
        {
            var handle = (long)args[0]!;
            var (identifier, arguments) = ((string)args[1]!, (string)args[2]!);
            var written = identifier == "write" ? TerminalWrite(arguments) : null;
            if (identifier == "create")
            {
                NoteTerminal(arguments);
            }

            await ReplyAsync("EndInvokeJSFromDotNet", handle, true, new JsonArray(handle, true, Answer(identifier, (int)args[3]!)).ToJsonString());
            if (written is not null)
            {
                _terminalOutput?.Invoke(written);
                // As Terminal.razor.js does once xterm.js rendered the write: invokeMethodAsync('Acknowledge', bytes.length).
                var callId = Interlocked.Increment(ref _nextCallId).ToString(CultureInfo.InvariantCulture);
                await ReplyAsync("BeginInvokeDotNetFromJS", callId, null, "Acknowledge", Interlocked.Read(ref _terminalObjectId), $"[{written.Length}]");
            }
        });
        // Byte arrays of JS interop calls travel beside them, before the call that names them as {"__byte[]": id}.
        _connection.On("JS.ReceiveByteArray", [typeof(long), typeof(byte[])], args =>
        {
            _byteArrays[(long)args[0]!] = (byte[])args[1]!;
            return Task.CompletedTask;
        });
        // The result of a .NET method the page called (an acknowledgement's): nothing to do with it.
        _connection.On("JS.EndInvokeDotNet", [typeof(object), typeof(object), typeof(object)], _ => Task.CompletedTask);
        // Notices a browser acts on and this page need not: a root component attached, an update applied.
        _connection.On("JS.AttachComponent", [typeof(object), typeof(object)], _ => Task.CompletedTask);
        _connection.On("JS.EndUpdateRootComponents", [typeof(object)], _ => Task.CompletedTask);
        _connection.On("JS.Error", [typeof(string)], args =>
        {
            _firstRender.TrySetException(new InvalidOperationException($"circuit error: {args[0]}"));
            return Task.CompletedTask;
        });
    }

    // What a browser would answer where the page depends on it; everything else gets "no result".
    private JsonNode? Answer(string identifier, int resultType) => (identifier, resultType) switch
    {
        (_, 1) => new JsonObject { ["__jsObjectId"] = Interlocked.Increment(ref _nextJsObjectId) },
        ("window.hasOwnProperty", _) => true,
        ("mudpopoverHelper.countProviders", _) => 1,
        ("storedFontSize", _) => 14,
        _ => null,
    };

    // Terminal.razor.js's create(element, dotnet, readOnly): the .NET object its acknowledgements go to.
    private void NoteTerminal(string arguments)
    {
        if (JsonNode.Parse(arguments) is JsonArray { Count: > 1 } parameters && parameters[1]?["__dotNetObject"] is { } id)
        {
            Interlocked.Exchange(ref _terminalObjectId, id.GetValue<long>());
        }
    }

    // Terminal.razor.js's write(handle, bytes): the bytes arrived just before, as a byte array.
    private byte[]? TerminalWrite(string arguments) =>
        JsonNode.Parse(arguments) is JsonArray { Count: > 1 } parameters && parameters[1]?["__byte[]"] is { } id
            && _byteArrays.TryRemove(id.GetValue<long>(), out var bytes)
            ? bytes
            : null;

    // A reply that races with closing the page has nobody left to reach, as in a tab being closed.
    private async Task ReplyAsync(string method, params object?[] args)
    {
        try
        {
            await _connection.SendCoreAsync(method, args);
        }
        catch (Exception ex) when (_closing && ex is ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        await _connection.DisposeAsync();
    }

    // <!--Blazor:{"type":"server",...}--> opens each interactive server root component in the prerendered page.
    [GeneratedRegex("""<!--Blazor:(?<json>\{"type":"server".*?\})-->""")]
    private static partial Regex ServerMarker();

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("""<!--Blazor-Server-Component-State:(?<state>[^-]*)-->""")]
    private static partial Regex ComponentState();
}

/// <summary>The MessagePack hub protocol under the name Blazor's hub accepts ("blazorpack": the same wire format).</summary>
internal sealed class BlazorPackProtocol : IHubProtocol
{
    private readonly MessagePackHubProtocol _inner = new();

    public string Name => "blazorpack";

    public int Version => 2;

    public TransferFormat TransferFormat => TransferFormat.Binary;

    public bool IsVersionSupported(int version) => version <= Version;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
        _inner.TryParseMessage(ref input, binder, out message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => _inner.WriteMessage(message, output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => _inner.GetMessageBytes(message);
}
