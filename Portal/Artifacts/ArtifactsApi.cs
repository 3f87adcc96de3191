using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Api;
using Portal.Identity;

namespace Portal.Artifacts;

/// <summary>An artifact in the API: <c>digest</c> is <c>sha256:HEX</c>, its identity.</summary>
public sealed record ApiArtifact(int Id, string Name, string Digest, long Size, string Uploader, IReadOnlyList<string> Tags, DateTime UploadedAt, DateTime LastUsedAt, bool Deduplicated = false)
{
    public static ApiArtifact From(ArtifactView view, bool deduplicated = false) =>
        new(view.Id, view.Name, view.Digest, view.Size, view.Uploader, view.Tags, view.UploadedAt, view.LastUsedAt, deduplicated);
}

/// <summary>/api/v1/artifacts: upload (a streaming PUT), list, download and delete.</summary>
public static class ArtifactsApi
{
    public static IEndpointRouteBuilder MapArtifactsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/artifacts").RequireAuthorization(ReservationsApi.Policy).WithTags("Artifacts");

        // The store enforces the user's quota while streaming; a body limit would cut off kernels and disks.
        api.MapPut("/{name}", UploadAsync)
            .WithMetadata(new DisableRequestSizeLimitAttribute())
            .WithSummary("Upload a file as artifact NAME: the request body is the file, streamed to disk (?tags=a,b); answers its digest sha256:...");

        api.MapGet("/", async (ArtifactStore store, CancellationToken ct) =>
            (await store.ListAsync(ct)).Select(a => ApiArtifact.From(a)).ToList())
            .WithSummary("All artifacts, newest first");

        api.MapGet("/{id:int}", async Task<Results<Ok<ApiArtifact>, ProblemHttpResult>> (int id, ArtifactStore store, CancellationToken ct) =>
            await store.GetAsync(id, ct) is { } artifact
                ? TypedResults.Ok(ApiArtifact.From(artifact))
                : Problem(new(ArtifactErrorKind.NotFound, $"There is no artifact {id}.")))
            .WithSummary("One artifact");

        api.MapGet("/{id:int}/content", DownloadAsync).WithSummary("The artifact's bytes, checked against its digest first (a corrupted file is refused)");

        api.MapDelete("/{id:int}", async Task<Results<NoContent, ProblemHttpResult>> (int id, Actor actor, ArtifactStore store, CancellationToken ct) =>
            await store.DeleteAsync(actor, id, ct) is { } error ? Problem(error) : TypedResults.NoContent())
            .WithSummary("Delete an artifact (its uploader or an admin)");

        return endpoints;
    }

    /// <summary>GET /artifacts/{id}/content for the browser (cookie sign-in), as the Artifacts page links it.</summary>
    public static IEndpointRouteBuilder MapArtifactDownloads(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/artifacts/{id:int}/content", DownloadAsync).RequireAuthorization();
        return endpoints;
    }

    public static ProblemHttpResult Problem(ArtifactError error) => TypedResults.Problem(
        detail: error.Message,
        statusCode: error.Kind switch
        {
            ArtifactErrorKind.NotFound => StatusCodes.Status404NotFound,
            ArtifactErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            ArtifactErrorKind.QuotaExceeded => StatusCodes.Status413PayloadTooLarge,
            ArtifactErrorKind.Corrupted => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        });

    private static async Task<Results<Created<ApiArtifact>, ProblemHttpResult>> UploadAsync(
        string name, string? tags, HttpContext context, Actor actor, ArtifactStore store, CancellationToken ct)
    {
        var labels = tags?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        var upload = await store.AddAsync(actor, name, labels, context.Request.Body, context.Request.ContentLength, null, ct);
        return upload is { Artifact: { } artifact }
            ? TypedResults.Created($"/api/v1/artifacts/{artifact.Id}", ApiArtifact.From(artifact, upload.Deduplicated))
            : Problem(upload.Error!);
    }

    private static async Task<IResult> DownloadAsync(int id, ArtifactStore store, CancellationToken ct)
    {
        var (verified, error) = await store.OpenVerifiedAsync(id, ct);
        return verified is null
            ? Problem(error!)
            : Results.File(verified.Path, "application/octet-stream", verified.Artifact.Name, enableRangeProcessing: true);
    }
}
