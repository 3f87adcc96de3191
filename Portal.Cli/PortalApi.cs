using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace Portal.Cli;

/// <summary>The portal's /api/v1 over HTTP and WebSockets; every refusal becomes a <see cref="CliException"/> with the portal's sentence.</summary>
public sealed class PortalApi : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _token;

    public PortalApi(CliConfig config)
    {
        if (string.IsNullOrWhiteSpace(config.Url))
        {
            throw new CliException(ExitCodes.Usage, "No portal to talk to: set PORTAL_URL or run 'portal login URL'.");
        }

        if (string.IsNullOrWhiteSpace(config.Token))
        {
            throw new CliException(ExitCodes.Refused, "No access token: set PORTAL_TOKEN or run 'portal login URL' with a token from the portal's Access tokens page.");
        }

        if (!Uri.TryCreate(config.Url.TrimEnd('/') + "/", UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"'{config.Url}' is not an http:// or https:// address of a portal.");
        }

        BaseUrl = url;
        _token = config.Token.Trim();
        _http = new HttpClient { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
    }

    public Uri BaseUrl { get; }

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, path, body, cancellationToken);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    /// <summary>The response's JSON (an empty object for 204), or a <see cref="CliException"/> with the portal's sentence.</summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body, options: JsonSerializerOptions.Web);
        }

        using var response = await SendRawAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentType?.MediaType?.Contains("json") != true
            ? JsonSerializer.SerializeToElement(new { status = (int)response.StatusCode })
            : await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    /// <summary>A response whose body the caller streams; refusals are thrown as for JSON calls.</summary>
    public async Task<HttpResponseMessage> StreamAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await SendRawAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        try
        {
            await EnsureSuccessAsync(response, cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a WebSocket route. A refused upgrade is asked again as a plain GET, which the portal answers with the
    /// same checks and the sentence saying why.
    /// </summary>
    public async Task<ClientWebSocket> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {_token}");
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        var address = new UriBuilder(new Uri(BaseUrl, path.TrimStart('/'))) { Scheme = BaseUrl.Scheme == "https" ? "wss" : "ws" }.Uri;
        try
        {
            await socket.ConnectAsync(address, cancellationToken);
            return socket;
        }
        catch (WebSocketException) when (socket.HttpStatusCode != 0 && socket.HttpStatusCode != HttpStatusCode.SwitchingProtocols)
        {
            socket.Dispose();
            await GetAsync(path, cancellationToken);
            throw new CliException(ExitCodes.Failed, $"The portal refused the WebSocket at {path}.");
        }
        catch (WebSocketException ex)
        {
            socket.Dispose();
            throw new CliException(ExitCodes.Failed, $"Cannot reach the portal at {BaseUrl}: {ex.Message}");
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(ExitCodes.Failed, $"Cannot reach the portal at {BaseUrl}: {ex.Message}");
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var detail = await DetailAsync(response, cancellationToken);
        throw response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new CliException(ExitCodes.Refused,
                $"The portal at {BaseUrl} refused the access token: it is unknown, revoked or expired (create one on the Access tokens page)."),
            HttpStatusCode.Forbidden or HttpStatusCode.Conflict => new CliException(ExitCodes.Refused, detail),
            HttpStatusCode.NotFound => new CliException(ExitCodes.NotFound, detail),
            HttpStatusCode.BadRequest => new CliException(ExitCodes.Usage, detail),
            HttpStatusCode.RequestTimeout or HttpStatusCode.GatewayTimeout => new CliException(ExitCodes.Timeout, detail),
            _ => new CliException(ExitCodes.Failed, detail),
        };
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            foreach (var field in new[] { "detail", "title" })
            {
                if (problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty(field, out var text) && text.GetString() is { Length: > 0 } sentence)
                {
                    return sentence;
                }
            }
        }
        catch (JsonException)
        {
            // Not a problem document: the status says it.
        }

        return $"The portal answered {(int)response.StatusCode} {response.ReasonPhrase}.";
    }
}
