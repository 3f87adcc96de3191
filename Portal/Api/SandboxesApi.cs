using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Portal.Access;
using Portal.Consoles;
using Portal.Hardware;
using Portal.Hardware.Containers;
using Portal.Lab;
using Portal.Sandboxes;

namespace Portal.Api;

/// <summary>A board's sandbox under /api/v1/boards/{name}/sandbox: launch, status, stop, logs, exec and files, for its holder.</summary>
public static class SandboxesApi
{
    /// <summary>The largest tar a copy into a sandbox may send.</summary>
    public const long MaxCopyBytes = 1L << 30;

    public static RouteGroupBuilder MapSandboxesApi(this RouteGroupBuilder api)
    {
        const string sandbox = "/boards/{name}/sandbox";

        api.MapGet(sandbox, async Task<Results<Ok<ApiSandbox>, ProblemHttpResult>> (string name, Actor actor, SandboxService sandboxes, CancellationToken ct) =>
            await MineAsync(actor, name, sandboxes, ct) is { } mine
                ? TypedResults.Ok(ApiSandbox.From(mine))
                : NoSandbox(name))
            .WithSummary("The board's newest sandbox, for its holder: status INIT, READY, TERMINATING, TERMINATED or FAILED (with the reason)");

        api.MapPost(sandbox, LaunchAsync)
            .WithSummary("Launch a sandbox for the board you hold (from the class's default image unless one is named); answers once it is READY or FAILED");

        api.MapDelete(sandbox, async Task<Results<Ok<ApiSandbox>, ProblemHttpResult>> (string name, Actor actor, SandboxService sandboxes, CancellationToken ct) =>
        {
            if (await sandboxes.LatestForBoardAsync(name, ct) is not { } live)
            {
                return NoSandbox(name);
            }

            if (await sandboxes.RefusalAsync(actor, live.UserId, live.Board, ct) is { } refusal)
            {
                return TypedResults.Problem(detail: refusal, statusCode: StatusCodes.Status403Forbidden);
            }

            if (!live.IsLive)
            {
                return TypedResults.Problem(detail: $"Sandbox {live.ContainerName} of {name} has already ended ({live.Status.ToString().ToUpperInvariant()}).", statusCode: StatusCodes.Status409Conflict);
            }

            var stopped = await sandboxes.StopAsync(actor, live.Id, ct);
            return stopped.Sandbox is { } view ? TypedResults.Ok(ApiSandbox.From(view)) : TypedResults.Problem(detail: stopped.Error, statusCode: StatusCodes.Status409Conflict);
        }).WithSummary("Stop and remove the board's sandbox; the reservation goes on");

        api.MapGet($"{sandbox}/logs", async Task<Results<ContentHttpResult, ProblemHttpResult>> (string name, Actor actor, SandboxService sandboxes, CancellationToken ct) =>
        {
            return await MineAsync(actor, name, sandboxes, ct) is { } mine && await sandboxes.LogsAsync(actor, mine.Id, ct) is { } logs
                ? TypedResults.Text(logs, "text/plain; charset=utf-8")
                : NoSandbox(name);
        }).WithSummary("The sandbox's output (from the engine while it lives, else what was kept at teardown)");

        api.MapGet($"{sandbox}/exec", ExecAsync)
            .WithSummary("WebSocket: a command (?command=sha256sum&command=/tmp/f; the class's shell by default) on a pty in the READY sandbox, like docker exec -it; binary frames both ways, {\"type\":\"resize\",\"columns\":C,\"rows\":R} resizes, {\"type\":\"exit\",\"code\":N} ends");

        api.MapPut($"{sandbox}/files", CopyInAsync)
            .WithMetadata(new RequestSizeLimitAttribute(MaxCopyBytes))
            .WithSummary("Copy files in: the body is a tar stream, unpacked into the directory ?path=/dir (as docker cp)");

        api.MapGet($"{sandbox}/files", CopyOutAsync)
            .WithSummary("Copy a file or directory out: ?path=/file answers a tar stream of it (as docker cp)");

        return api;
    }

    private static async Task<Results<Created<ApiSandbox>, ProblemHttpResult>> LaunchAsync(
        string name, LaunchSandboxRequest? request, Actor actor, LabCatalog catalog, SandboxService sandboxes, CancellationToken ct)
    {
        if (await catalog.GetBoardAsync(name, ct) is not { } board)
        {
            return BoardsApi.NoSuchBoard(name);
        }
        if (board.Board.Holder is not { } holder)
        {
            return TypedResults.Problem(detail: $"Board {board.Board.Name} is not reserved; reserve it before launching a sandbox.", statusCode: StatusCodes.Status409Conflict);
        }

        if (await sandboxes.RefusalAsync(actor, holder.UserId, board.Board.Name, ct) is { } refusal)
        {
            return TypedResults.Problem(detail: refusal, statusCode: StatusCodes.Status403Forbidden);
        }

        var launched = await sandboxes.LaunchAsync(actor, holder.ReservationId, request?.Image, ct);
        return launched switch
        {
            { Sandbox: { Status: Portal.Data.SandboxStatus.Failed } failed } => TypedResults.Problem(detail: $"Sandbox {failed.ContainerName} failed: {failed.Reason}", statusCode: StatusCodes.Status502BadGateway),
            { Sandbox: { } view } => TypedResults.Created($"/api/v1/boards/{board.Board.Name}/sandbox", ApiSandbox.From(view)),
            _ => TypedResults.Problem(detail: launched.Error, statusCode: StatusCodes.Status409Conflict),
        };
    }

    private static async Task<IResult> ExecAsync(string name, string[]? command, int? columns, int? rows, HttpContext context, SandboxService sandboxes, LabEvents events, ActorResolver actors)
    {
        var ct = context.RequestAborted;
        var actor = await Actor.OfAsync(context);
        if (await UsableAsync(actor, name, sandboxes, ct) is { Problem: { } problem })
        {
            return problem;
        }

        if (command is { Length: > 64 } || command?.Any(c => c.Length > 4096) == true)
        {
            return TypedResults.Problem(detail: "A command has at most 64 words of at most 4096 characters each.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            return BoardsApi.NotAWebSocket();
        }

        var sandbox = (await MineAsync(actor, name, sandboxes, ct))!;
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var channel = new SocketChannel(socket);
        IShellSession shell;
        try
        {
            shell = await sandboxes.OpenShellAsync(actor, sandbox.Id, Math.Clamp(columns ?? 80, 10, 1000), Math.Clamp(rows ?? 24, 2, 1000), ct, command is { Length: > 0 } ? command : null);
        }
        catch (ShellSessionException ex)
        {
            await channel.CloseAsync(WebSocketCloseStatus.PolicyViolation, ex.Message);
            return TypedResults.Empty;
        }

        // Ended by the client, the command, or the recheck once the user may no longer use the sandbox.
        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using (shell)
        await using (new AccessRecheck(events, actors, actor, name, async (now, recheck) =>
            await sandboxes.RefusalAsync(now, sandbox.UserId, name, recheck) is { } refusal ? AccessRefusal.AsReason(refusal) : null,
            async reason =>
            {
                await channel.CloseAsync(WebSocketCloseStatus.PolicyViolation, $"sandbox shell closed: {reason}");
                await session.CancelAsync();
            }))
        {
            var input = Task.Run(() => TypeIntoAsync(socket, shell, ct), CancellationToken.None);
            var buffer = new byte[64 * 1024];
            try
            {
                int read;
                while ((read = await shell.ReadAsync(buffer, session.Token)) > 0)
                {
                    await channel.SendBinaryAsync(buffer.AsMemory(0, read), session.Token);
                }

                var code = await shell.ExitCodeAsync(session.Token);
                await channel.SendTextAsync(JsonSerializer.Serialize(new { type = "exit", code }, JsonSerializerOptions.Web), ct);
                await channel.CloseAsync(WebSocketCloseStatus.NormalClosure, "exited");
            }
            catch (Exception ex) when (ex is IOException or WebSocketException or OperationCanceledException or ContainerEngineException)
            {
                // The client or the container went away.
            }

            if (await Task.WhenAny(input, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)) != input)
            {
                socket.Abort();
                await input;
            }
        }

        return TypedResults.Empty;
    }

    /// <summary>Binary frames are typed into the command; a text frame may resize its pty.</summary>
    private static async Task TypeIntoAsync(WebSocket socket, IShellSession shell, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                switch (received.MessageType)
                {
                    case WebSocketMessageType.Close:
                        return;
                    case WebSocketMessageType.Text when JsonSerializer.Deserialize<ExecRequest>(buffer.AsSpan(0, received.Count), JsonSerializerOptions.Web) is { Type: "resize", Columns: { } c, Rows: { } r }:
                        await shell.ResizeAsync(Math.Clamp(c, 10, 1000), Math.Clamp(r, 2, 1000), ct);
                        break;
                    case WebSocketMessageType.Binary:
                        await shell.WriteAsync(buffer.AsMemory(0, received.Count), ct);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or OperationCanceledException or JsonException or ContainerEngineException or ObjectDisposedException)
        {
            // The client went away, or sent something that is not a resize.
        }
    }

    private static async Task<IResult> CopyInAsync(string name, string? path, HttpContext context, SandboxService sandboxes, SandboxFiles files)
    {
        var ct = context.RequestAborted;
        var actor = await Actor.OfAsync(context);
        var (sandbox, problem) = await UsableAtAsync(actor, name, path, sandboxes, ct);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            await files.CopyInAsync(actor, sandbox!.Id, path!, context.Request.Body, ct);
            return TypedResults.NoContent();
        }
        catch (ContainerEngineException ex)
        {
            return TypedResults.Problem(detail: $"Copy into {path} refused: {ex.Message}", statusCode: ex is ContainerEngineUnavailableException ? StatusCodes.Status502BadGateway : StatusCodes.Status400BadRequest);
        }
    }

    private static async Task<IResult> CopyOutAsync(string name, string? path, HttpContext context, SandboxService sandboxes, SandboxFiles files)
    {
        var ct = context.RequestAborted;
        var actor = await Actor.OfAsync(context);
        var (sandbox, problem) = await UsableAtAsync(actor, name, path, sandboxes, ct);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            return TypedResults.Stream(await files.CopyOutAsync(actor, sandbox!.Id, path!, ct), "application/x-tar");
        }
        catch (ContainerEngineException ex)
        {
            return TypedResults.Problem(detail: $"Copy from {path} refused: {ex.Message}",
                statusCode: ex is ContainerEngineUnavailableException ? StatusCodes.Status502BadGateway : StatusCodes.Status404NotFound);
        }
    }

    /// <summary>As <see cref="UsableAsync"/>, and the path in the sandbox must be one (400).</summary>
    private static async Task<(SandboxView? Sandbox, ProblemHttpResult? Problem)> UsableAtAsync(Actor actor, string board, string? path, SandboxService sandboxes, CancellationToken ct)
    {
        var usable = await UsableAsync(actor, board, sandboxes, ct);
        return usable.Problem is null && SandboxFiles.PathProblem(path) is { } pathProblem
            ? (null, TypedResults.Problem(detail: pathProblem, statusCode: StatusCodes.Status400BadRequest))
            : usable;
    }

    /// <summary>The board's READY sandbox if the actor may use it, else the problem: 404 none, 403 not theirs to use, 409 not READY.</summary>
    private static async Task<(SandboxView? Sandbox, ProblemHttpResult? Problem)> UsableAsync(Actor actor, string board, SandboxService sandboxes, CancellationToken ct)
    {
        if (await sandboxes.LatestForBoardAsync(board, ct) is not { } latest)
        {
            return (null, NoSandbox(board));
        }

        if (await sandboxes.RefusalAsync(actor, latest.UserId, latest.Board, ct) is { } refusal)
        {
            return (null, TypedResults.Problem(detail: refusal, statusCode: StatusCodes.Status403Forbidden));
        }

        return latest.Status == Portal.Data.SandboxStatus.Ready
            ? (latest, null)
            : (null, TypedResults.Problem(detail: $"Sandbox {latest.ContainerName} is {latest.Status.ToString().ToUpperInvariant()}, not READY.", statusCode: StatusCodes.Status409Conflict));
    }

    /// <summary>The board's newest sandbox if it is the actor's (or the actor is an admin).</summary>
    private static async Task<SandboxView?> MineAsync(Actor actor, string board, SandboxService sandboxes, CancellationToken ct) =>
        await sandboxes.LatestForBoardAsync(board, ct) is { } latest && actor.IsHolderOrAdmin(latest.UserId) ? latest : null;

    private static ProblemHttpResult NoSandbox(string board) =>
        TypedResults.Problem(detail: $"You have no sandbox on board {board}.", statusCode: StatusCodes.Status404NotFound);

    private sealed record ExecRequest(string? Type, int? Columns, int? Rows);
}
