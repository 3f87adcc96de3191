using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Portal.Identity;
using Portal.Lab;
using Portal.Reservations;

namespace Portal.Api;

/// <summary>The REST API under /api/v1 for scripts and CI, authenticated by personal access tokens only.</summary>
public static class ReservationsApi
{
    public const string Policy = "api";

    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").RequireAuthorization(Policy).WithTags("Lab");

        api.MapGet("/classes", async (LabCatalog catalog, CancellationToken ct) =>
            (await catalog.GetClassesAsync(ct)).Select(ApiBoardClass.From).ToList())
            .WithSummary("Board classes with their boards and state");

        api.MapBoardsApi();
        api.MapHealthApi();
        api.MapSandboxesApi();
        api.MapAccountApi();
        api.MapAdminApi();

        api.MapPost("/reservations", ReserveAsync)
            .WithSummary("Reserve a board, or any free board of a class (optionally waiting in the queue)");

        api.MapGet("/reservations", async (Actor actor, ReservationQueries reservations, bool? active, CancellationToken ct) =>
            (await reservations.ListAsync(new ReservationFilter(UserId: actor.UserId, ActiveOnly: active == true), ct)).Select(ApiReservation.From).ToList())
            .WithSummary("My reservations, newest first (?active=true for the current ones)");

        api.MapGet("/reservations/{id:int}", async Task<Results<Ok<ApiReservation>, ProblemHttpResult>> (int id, Actor actor, ReservationQueries reservations, CancellationToken ct) =>
        {
            return await reservations.GetAsync(id, ct) is { } view && (actor.IsHolderOrAdmin(view.UserId))
                ? TypedResults.Ok(ApiReservation.From(view))
                : Problem(new ReservationError(ReservationErrorKind.NotFound, $"There is no reservation {id} of yours."));
        }).WithSummary("One of my reservations");

        api.MapPost("/reservations/{id:int}/extend", async (int id, ExtendRequest? request, Actor actor, ReservationLifecycle reservations, CancellationToken ct) =>
            Respond(await reservations.ExtendAsync(actor, id, request?.Minutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null, ct)))
            .WithSummary("Extend a reservation (by the default lease unless minutes are given), up to the maximum lease");

        api.MapDelete("/reservations/{id:int}", async (int id, Actor actor, ReservationLifecycle reservations, CancellationToken ct) =>
            Respond(await reservations.ReleaseAsync(actor, id, ct)))
            .WithSummary("Release a reservation (admins may release anyone's)");

        api.MapGet("/queue", async (Actor actor, ReservationQueries reservations, CancellationToken ct) =>
            (await reservations.QueueAsync(actor.UserId, ct)).Select(ApiQueueEntry.From).ToList())
            .WithSummary("My waiting requests with their place in the queue");

        api.MapDelete("/queue/{id:int}", async Task<Results<Ok<ApiQueueEntry>, ProblemHttpResult>> (int id, Actor actor, ReservationQueue queue, CancellationToken ct) =>
            await queue.CancelQueueEntryAsync(actor, id, ct) is { Error: null, Queued: { } queued }
                ? TypedResults.Ok(ApiQueueEntry.From(queued))
                : Problem(new ReservationError(ReservationErrorKind.NotFound, $"There is no waiting request {id} of yours.")))
            .WithSummary("Leave the queue");

        return endpoints;
    }

    private static async Task<Results<Created<ApiReservation>, Accepted<ApiQueueEntry>, ProblemHttpResult>> ReserveAsync(
        ReserveRequest request, Actor actor, ReservationLifecycle lifecycle, ReservationQueue queue, IOptionsMonitor<ReservationOptions> options, CancellationToken ct)
    {
        var maxLease = options.CurrentValue.MaxLease;
        if (request.LeaseMinutes is { } asked && asked > maxLease.TotalMinutes)
        {
            return Problem(new ReservationError(ReservationErrorKind.Invalid, $"leaseMinutes may be at most {maxLease.TotalMinutes:0} (Lab:Reservations:MaxLease)."));
        }

        if (request.LeaseMinutes is <= 0)
        {
            return Problem(new ReservationError(ReservationErrorKind.Invalid, "leaseMinutes must be greater than zero."));
        }

        var lease = request.LeaseMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : (TimeSpan?)null;
        var outcome = (request.Board, request.Class) switch
        {
            ({ } board, null) => await lifecycle.ReserveBoardAsync(actor, board, lease, ct),
            (null, { } cls) => await queue.ReserveClassAsync(actor, cls, request.Tags ?? [], lease, request.Wait, ct),
            _ => ReservationOutcome.Fail(ReservationErrorKind.Invalid, "Name either a board or a class, not both and not neither."),
        };

        return outcome switch
        {
            { Error: { } error } => Problem(error),
            { Reservation: { } reservation } => TypedResults.Created($"/api/v1/reservations/{reservation.Id}", ApiReservation.From(reservation)),
            { Queued: { } queued } => TypedResults.Accepted($"/api/v1/queue/{queued.Id}", ApiQueueEntry.From(queued)),
            _ => throw new InvalidOperationException("A reservation outcome has a reservation, a queue entry or an error."),
        };
    }

    private static Results<Ok<ApiReservation>, ProblemHttpResult> Respond(ReservationOutcome outcome) =>
        outcome is { Error: null, Reservation: { } reservation }
            ? TypedResults.Ok(ApiReservation.From(reservation))
            : Problem(outcome.Error!);

    internal static ProblemHttpResult Problem(ReservationError error) =>
        TypedResults.Problem(
            detail: error.Detail,
            statusCode: error.Kind switch
            {
                ReservationErrorKind.NotFound => StatusCodes.Status404NotFound,
                ReservationErrorKind.Conflict => StatusCodes.Status409Conflict,
                ReservationErrorKind.Forbidden => StatusCodes.Status403Forbidden,
                ReservationErrorKind.Invalid => StatusCodes.Status400BadRequest,
                _ => StatusCodes.Status502BadGateway,
            });
}
