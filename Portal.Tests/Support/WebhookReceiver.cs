using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Portal.Tests.Support;

/// <summary>What a webhook receiver got: the path, the portal's headers, the body, and what it answered.</summary>
public sealed record WebhookRequest(string Path, string? Event, string? Delivery, string? Signature, string Body, HttpStatusCode AnsweredWith, DateTime At);

/// <summary>A real HTTP server on loopback that records what it receives and answers as told (200 when not told).</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication? _app;

    public string Url { get; private set; } = "";

    public ConcurrentQueue<HttpStatusCode> Answers { get; } = new();

    public ConcurrentQueue<WebhookRequest> Received { get; } = new();

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Run(async context =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var answer = Answers.TryDequeue(out var told) ? told : HttpStatusCode.OK;
            var headers = context.Request.Headers;
            Received.Enqueue(new WebhookRequest(context.Request.Path, headers["X-Portal-Event"], headers["X-Portal-Delivery"], headers["X-Portal-Signature-256"], body, answer, DateTime.UtcNow));
            context.Response.StatusCode = (int)answer;
        });
        await _app.StartAsync();
        Url = _app.Urls.First() + "/";
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
