using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace Portal.Api;

/// <summary>
/// Turns a request the API cannot read (malformed JSON, a value of the wrong type, a body over the limit) into a
/// problem detail whose sentence names the field, and any other failure under <c>/api</c> into a problem detail
/// rather than the HTML error page.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        // The handler runs after the middleware pointed the request at the error page: the original path is kept aside.
        var path = context.Features.Get<IExceptionHandlerPathFeature>()?.Path is { } original ? new PathString(original) : context.Request.Path;
        var (status, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "The request body is larger than the API accepts."),
            BadHttpRequestException bad => (bad.StatusCode, Describe(bad)),
            _ when path.StartsWithSegments("/api") => (StatusCodes.Status500InternalServerError, "The portal failed to answer this request; its log says why."),
            _ => (0, ""),
        };
        if (status == 0)
        {
            return false;
        }

        if (status >= 500)
        {
            logger.LogError(exception, "{Method} {Path} failed", context.Request.Method, path);
        }
        else
        {
            logger.LogInformation("{Method} {Path} refused: {Detail}", context.Request.Method, path, detail);
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Detail = detail },
        });
    }

    private static string Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            var field = json.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : null;
            var where = json.LineNumber is { } line ? $" (line {line + 1}, position {json.BytePositionInLine + 1})" : "";
            return field is null
                ? $"The request body is not valid JSON{where}."
                : $"The field '{field}' has a value of the wrong type or is not valid JSON{where}.";
        }

        // Minimal APIs name the parameter: 'Failed to bind parameter "int id" from "x".'
        return bad.Message;
    }
}

/// <summary>
/// Refuses an API request whose body is larger than <see cref="ApiOptions.MaxRequestBodyBytes"/>, before reading it.
/// Routes that stream files (artifact uploads, copies into a sandbox) declare their own limit on the endpoint instead.
/// </summary>
internal sealed class ApiBodyLimit(RequestDelegate next, Microsoft.Extensions.Options.IOptions<ApiOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>() is not null)
        {
            await next(context);
            return;
        }

        var limit = options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            await Results.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                detail: $"The request body has {context.Request.ContentLength} bytes; the API accepts at most {limit} (Portal:Api:MaxRequestBodyBytes).")
                .ExecuteAsync(context);
            return;
        }

        // A body without a length (chunked) is cut off by the server at the same limit while it is read.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        await next(context);
    }
}
