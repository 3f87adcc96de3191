using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Consoles;
using Portal.Lab;
using Portal.Reservations;

namespace Portal.Api;

/// <summary>Boards under /api/v1: list and detail, power, break, and the console and tunnel WebSockets.</summary>
public static class BoardsApi
{
    public static RouteGroupBuilder MapBoardsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/boards", async (LabCatalog catalog, LabBoards boards, CancellationToken ct) =>
            await Task.WhenAll((await catalog.GetClassesAsync(ct)).SelectMany(c => c.Boards).Select(b => boards.DetailAsync(b, ct))))
            .WithSummary("All boards with their state, holder, power state, console kind and tunnel ports");

        api.MapGet("/boards/{name}", async Task<Results<Ok<ApiBoardDetail>, ProblemHttpResult>> (string name, LabCatalog catalog, LabBoards boards, CancellationToken ct) =>
            await catalog.GetBoardAsync(name, ct) is { } board
                ? TypedResults.Ok(await boards.DetailAsync(board.Board, ct))
                : NoSuchBoard(name))
            .WithSummary("One board with its state, holder, power state, console kind and tunnel ports");

        api.MapGet("/boards/{name}/power", async Task<Results<Ok<ApiPower>, ProblemHttpResult>> (string name, LabCatalog catalog, PowerService power, CancellationToken ct) =>
        {
            if (await catalog.GetBoardAsync(name, ct) is not { } board)
            {
                return NoSuchBoard(name);
            }

            if (!power.HasPower(board.Board.Name))
            {
                return NoPower(board.Board.Name);
            }

            var state = await power.GetStateAsync(board.Board.Name, ct);
            return state.Error is { } error
                ? TypedResults.Problem(detail: error, statusCode: StatusCodes.Status502BadGateway)
                : TypedResults.Ok(new ApiPower(board.Board.Name, state.State.ToString().ToLowerInvariant()));
        }).WithSummary("The board's power state: on, off or unknown");

        api.MapPost("/boards/{name}/power", SwitchPowerAsync)
            .WithSummary("Switch the board's power on, off or cycle it (the holder or an admin, with the Power capability)");

        api.MapPost("/boards/{name}/break", SendBreakAsync)
            .WithSummary("Send a serial break to the board's console (whoever may type into it)");

        api.MapGet("/boards/{name}/console", OpenConsoleAsync)
            .WithSummary("WebSocket: the board's console, scrollback first (unless ?scrollback=false); binary frames both ways (ConsoleRead to watch, the holder with ConsoleWrite to type); text frames carry JSON notices and {\"type\":\"break\"}");

        api.MapGet("/boards/{name}/tunnels/{port:int}", OpenTunnelAsync)
            .WithSummary("WebSocket: raw TCP to a port the board offers (its holder only), binary frames both ways; closed at release");

        return api;
    }

    private static async Task<Results<Ok<ApiPower>, ProblemHttpResult>> SwitchPowerAsync(
        string name, PowerRequest request, ClaimsPrincipal user, LabCatalog catalog, PowerService power, CancellationToken ct)
    {
        if (!Enum.TryParse<PowerAction>(request.Action, ignoreCase: true, out var action) || !Enum.IsDefined(action) || int.TryParse(request.Action, out _))
        {
            return TypedResults.Problem(detail: $"'{request.Action}' is not a power action; use on, off or cycle.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (await catalog.GetBoardAsync(name, ct) is not { } board)
        {
            return NoSuchBoard(name);
        }

        if (!power.HasPower(board.Board.Name))
        {
            return NoPower(board.Board.Name);
        }

        var actor = user.ToActor();
        if (await power.MayUseAsync(actor, board.Board.Name, board.Board.Holder, ct) is { } refusal)
        {
            return TypedResults.Problem(detail: refusal, statusCode: StatusCodes.Status403Forbidden);
        }

        var result = await power.SwitchAsync(actor, board.Board.Name, action, ct);
        return result.Error is { } error
            ? TypedResults.Problem(detail: error, statusCode: StatusCodes.Status502BadGateway)
            : TypedResults.Ok(new ApiPower(board.Board.Name, result.State.ToString().ToLowerInvariant()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SendBreakAsync(
        string name, ClaimsPrincipal user, LabCatalog catalog, ConsoleBroker broker, ConsoleAccess consoleAccess, ConsoleBreakService breaks, CancellationToken ct)
    {
        if (await catalog.GetBoardAsync(name, ct) is not { } board)
        {
            return NoSuchBoard(name);
        }

        var actor = user.ToActor();
        await using var watcher = broker.Watch(board.Board.Name, _ => Task.CompletedTask);
        if (watcher is null)
        {
            return TypedResults.Problem(detail: $"Board {board.Board.Name} has no console.", statusCode: StatusCodes.Status409Conflict);
        }

        // The refusal's sentence comes from the break service; the rights only choose the status code.
        var mayType = (await consoleAccess.DecideAsync(actor, board.Board.Name, ct)).CanType;
        return await breaks.SendAsync(actor, watcher, ct) is { } refusal
            ? TypedResults.Problem(detail: refusal, statusCode: mayType ? StatusCodes.Status409Conflict : StatusCodes.Status403Forbidden)
            : TypedResults.NoContent();
    }

    private static async Task<IResult> OpenConsoleAsync(
        string name, bool? scrollback, HttpContext context, LabCatalog catalog, ConsoleBroker broker, ConsoleAccess consoleAccess, ConsoleSocketSession sessions)
    {
        var ct = context.RequestAborted;
        if (await catalog.GetBoardAsync(name, ct) is not { } board)
        {
            return NoSuchBoard(name);
        }

        if (!broker.HasConsole(board.Board.Name))
        {
            return TypedResults.Problem(detail: $"Board {board.Board.Name} has no console.", statusCode: StatusCodes.Status409Conflict);
        }

        var actor = context.User.ToActor();
        if ((await consoleAccess.DecideAsync(actor, board.Board.Name, ct)).ReadRefusal is { } refusal)
        {
            return TypedResults.Problem(detail: $"You may not watch the console of {board.Board.Name}: {refusal}.", statusCode: StatusCodes.Status403Forbidden);
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            return NotAWebSocket();
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await sessions.RunAsync(actor, board.Board.Name, socket, scrollback ?? true, ct);
        return TypedResults.Empty;
    }

    private static async Task<IResult> OpenTunnelAsync(string name, int port, HttpContext context, TunnelService tunnels)
    {
        var actor = context.User.ToActor();
        var (target, error) = await tunnels.DecideAsync(actor, name, port, context.RequestAborted);
        if (error is not null)
        {
            return ReservationsApi.Problem(error);
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            return NotAWebSocket();
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await tunnels.RunAsync(actor, target!, socket, context.RequestAborted);
        return TypedResults.Empty;
    }

    internal static ProblemHttpResult NoSuchBoard(string name) =>
        TypedResults.Problem(detail: $"There is no board named '{name}'.", statusCode: StatusCodes.Status404NotFound);

    private static ProblemHttpResult NoPower(string board) =>
        TypedResults.Problem(detail: $"Board {board} has no power control.", statusCode: StatusCodes.Status409Conflict);

    internal static ProblemHttpResult NotAWebSocket() =>
        TypedResults.Problem(detail: "This route is a WebSocket: open it with a WebSocket client (ws:// or wss://).", statusCode: StatusCodes.Status400BadRequest);
}
