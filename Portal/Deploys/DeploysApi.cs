using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Api;
using Portal.Artifacts;
using Portal.Identity;

namespace Portal.Deploys;

/// <summary>
/// A deploy request: artifacts by slot, each an artifact id or its digest (<c>sha256:...</c>, one of your own
/// artifacts); <c>boot</c> power-cycles the board after deploying; <c>expect</c> (a regular expression) then waits up
/// to <c>timeoutSeconds</c> (120) for a match on the console.
/// </summary>
public sealed record ApiDeployRequest(Dictionary<string, string>? Artifacts, string? Append, bool Boot = false, string? Expect = null, int? TimeoutSeconds = null);

public sealed record ApiDeployment(int Id, string Board, int? ReservationId, string User, IReadOnlyList<string> Files, bool Boot, string? Error, string Output, DateTime StartedAt, DateTime? EndedAt)
{
    public static ApiDeployment From(DeploymentView view) =>
        new(view.Id, view.Board, view.ReservationId, view.User, view.Files.Split('\n'), view.Boot, view.Error, view.Output, view.StartedAt, view.EndedAt);
}

/// <summary>POST /api/v1/boards/{name}/deploy, and the deployments of a reservation.</summary>
public static class DeploysApi
{
    public static IEndpointRouteBuilder MapDeploysApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").RequireAuthorization(ReservationsApi.Policy).WithTags("Deploy");

        api.MapPost("/boards/{name}/deploy", DeployAsync)
            .WithSummary("Deploy artifacts to a board you hold; with boot, power-cycle it, and with expect, wait for a regular expression on its console");

        api.MapGet("/reservations/{id:int}/deployments", async Task<Results<Ok<List<ApiDeployment>>, ProblemHttpResult>> (int id, Actor actor, Reservations.ReservationQueries reservations, DeployService deploys, CancellationToken ct) =>
        {
            return await reservations.GetAsync(id, ct) is { } reservation && actor.IsHolderOrAdmin(reservation.UserId)
                ? TypedResults.Ok((await deploys.ListAsync(id, null, ct)).Select(ApiDeployment.From).ToList())
                : TypedResults.Problem(detail: $"There is no reservation {id} of yours.", statusCode: StatusCodes.Status404NotFound);
        }).WithSummary("What was deployed during one of my reservations");

        return endpoints;
    }

    private static async Task<Results<Ok<ApiDeployment>, ProblemHttpResult>> DeployAsync(
        string name, ApiDeployRequest request, Actor actor, DeployService deploys, ArtifactStore store, CancellationToken ct)
    {
        var artifacts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (slot, reference) in request.Artifacts ?? [])
        {
            if (await ResolveAsync(actor, reference, store, ct) is not { } id)
            {
                return Problem(new(DeployErrorKind.NotFound, $"No artifact of yours is '{reference}' (give an artifact id or its digest sha256:...)."));
            }

            artifacts[slot] = id;
        }

        var order = new DeployOrder(artifacts, request.Append, request.Boot, request.Expect, request.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
        var result = await deploys.DeployAsync(actor, name, order, null, ct);
        return result.Error is { } error ? Problem(error) : TypedResults.Ok(ApiDeployment.From(result.Deployment!));
    }

    private static async Task<int?> ResolveAsync(Actor actor, string reference, ArtifactStore store, CancellationToken ct)
    {
        if (int.TryParse(reference, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }

        var all = await store.ListAsync(ct);
        return all.FirstOrDefault(a => a.Digest.Equals(reference, StringComparison.OrdinalIgnoreCase) && (a.UploaderId == actor.UserId || actor.IsAdmin))?.Id;
    }

    private static ProblemHttpResult Problem(DeployError error) => TypedResults.Problem(
        detail: error.Message,
        statusCode: error.Kind switch
        {
            DeployErrorKind.NotFound => StatusCodes.Status404NotFound,
            DeployErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            DeployErrorKind.Corrupted or DeployErrorKind.Stopped => StatusCodes.Status409Conflict,
            DeployErrorKind.DriverFailed => StatusCodes.Status502BadGateway,
            DeployErrorKind.ExpectTimedOut => StatusCodes.Status504GatewayTimeout,
            _ => StatusCodes.Status400BadRequest,
        });
}
