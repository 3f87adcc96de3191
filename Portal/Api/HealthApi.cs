using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Health;
using Portal.Reservations;

namespace Portal.Api;

/// <summary>One health check as the API shows it; <c>outcome</c> is <c>running</c>, <c>passed</c> or <c>failed</c>.</summary>
public sealed record ApiHealthCheck(int Id, int ReservationId, string Trigger, string Outcome, string? Reason, string Log, DateTime StartedAt, DateTime? FinishedAt)
{
    public static ApiHealthCheck From(HealthCheckView c) =>
        new(c.Id, c.ReservationId, c.Trigger, c.Outcome.ToString().ToLowerInvariant(), c.Reason, c.Log, c.StartedAt, c.FinishedAt);
}

/// <summary>
/// A board's health: <c>good</c>, <c>bad</c>, <c>maintenance</c> or <c>unknown</c>, why (<c>note</c>), a check waiting
/// (<c>checkDue</c>, why it was asked for), and its last checks, newest first (at most 50 are kept).
/// </summary>
public sealed record ApiBoardHealth(string Board, string Health, string? Note, string? CheckDue, int FailedChecksInRow, bool HasCheck, IReadOnlyList<ApiHealthCheck> Checks);

/// <summary>PUT /admin/boards/{name}/maintenance: why the board leaves the pool.</summary>
public sealed record MaintenanceRequest(string? Comment);

/// <summary>Board health under /api/v1: everyone signed in reads it; admins run checks, set maintenance and clear bad boards.</summary>
public static class HealthApi
{
    public static RouteGroupBuilder MapHealthApi(this RouteGroupBuilder api)
    {
        api.MapGet("/boards/{name}/health", async Task<Results<Ok<ApiBoardHealth>, ProblemHttpResult>> (string name, BoardHealthService health, CancellationToken ct) =>
            await HealthOfAsync(name, health, ct) is { } found ? TypedResults.Ok(found) : NoSuchBoard(name))
            .WithSummary("The board's health, why, a check waiting, and its last health checks with their logs");
        return api;
    }

    /// <summary>The admin side, mapped on the admin group (its filter lets admins only).</summary>
    public static RouteGroupBuilder MapHealthAdminApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/boards/{name}/health-check", (string name, Actor actor, BoardHealthService health, CancellationToken ct) =>
                ActAsync(name, health, health.RequestCheckAsync(actor, name, ct), StatusCodes.Status202Accepted, ct))
            .WithSummary("Run the board's health check as soon as the board is free (202; the check's outcome is in GET /boards/{name}/health)");

        admin.MapPut("/boards/{name}/maintenance", (string name, MaintenanceRequest request, Actor actor, BoardHealthService health, CancellationToken ct) =>
                ActAsync(name, health, health.SetMaintenanceAsync(actor, name, request.Comment, ct), StatusCodes.Status200OK, ct))
            .WithSummary("Put the board in maintenance (out of the pool) with a comment saying why");

        admin.MapDelete("/boards/{name}/maintenance", (string name, Actor actor, BoardHealthService health, CancellationToken ct) =>
                ActAsync(name, health, health.EndMaintenanceAsync(actor, name, ct), StatusCodes.Status200OK, ct))
            .WithSummary("End the board's maintenance: health unknown, and a health check when its check runs after maintenance");

        admin.MapPost("/boards/{name}/health/clear", (string name, Actor actor, BoardHealthService health, CancellationToken ct) =>
                ActAsync(name, health, health.ClearAsync(actor, name, ct), StatusCodes.Status200OK, ct))
            .WithSummary("Clear a bad board: back in the pool with health unknown, and its checks run by themselves again");
        return admin;
    }

    private static async Task<Results<JsonHttpResult<ApiBoardHealth>, ProblemHttpResult>> ActAsync(
        string name, BoardHealthService health, Task<ReservationError?> action, int status, CancellationToken ct) =>
        await action is { } error
            ? ReservationsApi.Problem(error)
            : TypedResults.Json((await HealthOfAsync(name, health, ct))!, statusCode: status);

    private static async Task<ApiBoardHealth?> HealthOfAsync(string name, BoardHealthService health, CancellationToken ct) =>
        await health.GetAsync(name, ct) is { } found
            ? new ApiBoardHealth(
                found.Board, found.Health.ToString().ToLowerInvariant(), found.Note, found.CheckDue, found.FailedChecksInRow, found.HasCheck,
                (await health.HistoryAsync(name, ct)).Select(ApiHealthCheck.From).ToList())
            : null;

    private static ProblemHttpResult NoSuchBoard(string name) =>
        TypedResults.Problem(detail: $"There is no board named '{name}'.", statusCode: StatusCodes.Status404NotFound);
}
