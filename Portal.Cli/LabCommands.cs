using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Portal.Cli;

/// <summary>login, boards, reserve, extend, release, reservations, power: the lab's REST routes.</summary>
public static class LabCommands
{
    public static IEnumerable<Command> All() => [Login(), Boards(), Reserve(), Extend(), Release(), Reservations(), Power()];

    private static Command Login()
    {
        var url = new Argument<string>("url") { Description = "The portal's address, e.g. https://lab.example.com" };
        var token = new Option<string?>("--token") { Description = "A personal access token (ptl_...); read from stdin when not given" };
        var command = new Command("login", "Check a token against the portal and store it (mode 0600) for later commands") { url, token };
        command.Handle(async (parse, ct) =>
        {
            var secret = parse.GetValue(token) ?? (await Console.In.ReadLineAsync(ct))?.Trim();
            var config = new CliConfig(parse.GetValue(url), secret);
            using (var api = new PortalApi(config))
            {
                await api.GetAsync("api/v1/reservations?active=true", ct);
            }

            config.Save();
            return Cli.Print(parse, new { url = config.Url, stored = CliConfig.FilePath }, () => $"Logged in to {config.Url}; the token is stored in {CliConfig.FilePath}.");
        });
        return command;
    }

    private static Command Boards()
    {
        var name = new Argument<string?>("board") { Description = "One board's details", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("boards", "List the boards with their state, holder, power and console, or show one") { name };
        command.Handle(async (parse, api, ct) =>
        {
            if (parse.GetValue(name) is { } board)
            {
                var detail = await api.GetAsync($"api/v1/boards/{Uri.EscapeDataString(board)}", ct);
                return Cli.Print(parse, detail, () => string.Join('\n',
                    $"board:     {detail.Str("name")} ({detail.Str("class")})",
                    $"state:     {detail.Str("state")}{(detail.Str("holder") is { Length: > 0 } h ? $" by {h} until {detail.Time("reservedUntil")}" : "")}",
                    $"tags:      {string.Join(' ', detail.GetProperty("tags").EnumerateObject().Select(t => $"{t.Name}={t.Value}"))}",
                    $"power:     {Or(detail.Str("power"), "none")}{(detail.Str("powerError") is { Length: > 0 } e ? $" ({e})" : "")}",
                    $"console:   {Or(detail.Str("console"), "none")}",
                    $"tunnels:   {Or(Ports(detail), "none")}"));
            }

            var boards = await api.GetAsync("api/v1/boards", ct);
            return Cli.Print(parse, boards, () => Cli.Table(
                ["BOARD", "CLASS", "STATE", "HOLDER", "UNTIL", "POWER", "CONSOLE", "TUNNELS"],
                boards.EnumerateArray().Select(b => (IReadOnlyList<string>)[
                    b.Str("name"), b.Str("class"), b.Str("state"), Or(b.Str("holder"), "-"), Or(b.Time("reservedUntil"), "-"),
                    Or(b.Str("power"), "-"), Or(b.Str("console"), "-"), Or(Ports(b), "-")])));
        });
        return command;
    }

    private static Command Reserve()
    {
        var board = new Argument<string?>("board") { Description = "The board to reserve", Arity = ArgumentArity.ZeroOrOne };
        var boardClass = new Option<string?>("--class") { Description = "Reserve any free board of this class instead" };
        var tags = new Option<string[]>("--tag") { Description = "Only boards with this tag, e.g. usb=yes (repeatable)", AllowMultipleArgumentsPerToken = false };
        var wait = new Option<bool>("--wait") { Description = "Wait until a board is free (a class request waits in the queue)" };
        var timeout = new Option<int?>("--timeout") { Description = "With --wait: give up after this many seconds (exit code 5)" };
        var minutes = new Option<double?>("--minutes") { Description = "Lease length in minutes (default: the portal's default lease)" };
        var command = new Command("reserve", "Reserve a board, or any board of a class") { board, boardClass, tags, wait, timeout, minutes };
        command.Handle(async (parse, api, ct) =>
        {
            var (name, cls) = (parse.GetValue(board), parse.GetValue(boardClass));
            if ((name is null) == (cls is null))
            {
                throw new CliException(ExitCodes.Usage, "Name a board or --class, not both and not neither.");
            }

            var filter = new Dictionary<string, string>();
            foreach (var tag in parse.GetValue(tags) ?? [])
            {
                var parts = tag.Split('=', 2);
                if (parts.Length != 2 || parts[0].Length == 0)
                {
                    throw new CliException(ExitCodes.Usage, $"--tag '{tag}' is not KEY=VALUE.");
                }

                filter[parts[0]] = parts[1];
            }

            using var deadline = Deadline(parse.GetValue(timeout), ct);
            var request = new { board = name, @class = cls, tags = filter.Count == 0 ? null : filter, leaseMinutes = parse.GetValue(minutes), wait = parse.GetValue(wait) && cls is not null };
            var reservation = await ReserveAsync(api, request, name, cls, parse.GetValue(wait), deadline.Token, parse.GetValue(timeout));
            return Cli.Print(parse, reservation, () =>
                $"Reserved {reservation.Str("board")} until {reservation.Time("expiresAt")} (reservation {reservation.Str("id")}).");
        });
        return command;
    }

    private static async Task<JsonElement> ReserveAsync(PortalApi api, object request, string? board, string? cls, bool wait, CancellationToken ct, int? timeout)
    {
        int? queued = null;
        try
        {
            while (true)
            {
                try
                {
                    var answer = await api.PostAsync("api/v1/reservations", request, ct);
                    if (!answer.TryGetProperty("position", out var position))
                    {
                        return answer;
                    }

                    Cli.Say($"Waiting for a board of class {cls}: number {position} in the queue.");
                    queued = answer.Int("id");
                    return await WaitForGrantAsync(api, queued.Value, ct);
                }
                catch (CliException ex) when (wait && board is not null && ex.ExitCode == ExitCodes.Refused && ex.Message.Contains("reserved", StringComparison.OrdinalIgnoreCase))
                {
                    // A named board has no queue: ask again until it is free.
                    await Task.Delay(TimeSpan.FromSeconds(2), ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // A request left waiting would be granted a board later, to a job that is no longer there.
            if (queued is { } id)
            {
                await LeaveQueueAsync(api, id);
            }

            if (timeout is not null)
            {
                throw new CliException(ExitCodes.Timeout, $"No board was granted within {timeout} s{(queued is null ? "" : "; the request left the queue")}.");
            }

            throw;
        }
    }

    private static async Task LeaveQueueAsync(PortalApi api, int queueId)
    {
        try
        {
            await api.DeleteAsync($"api/v1/queue/{queueId}", CancellationToken.None);
        }
        catch (CliException ex) when (ex.ExitCode is ExitCodes.NotFound or ExitCodes.Refused)
        {
            // Granted or cancelled meanwhile: the reservations list shows which.
            Cli.Say($"Request {queueId} was no longer waiting: {ex.Message}");
        }
    }

    private static async Task<JsonElement> WaitForGrantAsync(PortalApi api, int queueId, CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var queue = await api.GetAsync("api/v1/queue", ct);
            if (queue.EnumerateArray().Any(q => q.Int("id") == queueId))
            {
                continue;
            }

            // Granted requests leave the queue; the newest active reservation is the one it got.
            var active = await api.GetAsync("api/v1/reservations?active=true", ct);
            return active.EnumerateArray().OrderByDescending(r => r.Int("id")).FirstOrDefault() is { ValueKind: JsonValueKind.Object } granted
                ? granted
                : throw new CliException(ExitCodes.Refused, $"Queued request {queueId} left the queue without a board (cancelled).");
        }
    }

    private static Command Extend()
    {
        var target = new Argument<string>("reservation") { Description = "A reservation id, or the name of a board you hold" };
        var minutes = new Option<int?>("--minutes") { Description = "By how many minutes (default: the portal's default lease)" };
        var command = new Command("extend", "Extend a reservation") { target, minutes };
        command.Handle(async (parse, api, ct) =>
        {
            var id = await ReservationIdAsync(api, parse.GetValue(target)!, ct);
            var reservation = await api.PostAsync($"api/v1/reservations/{id}/extend", new { minutes = parse.GetValue(minutes) }, ct);
            return Cli.Print(parse, reservation, () => $"{reservation.Str("board")} is reserved until {reservation.Time("expiresAt")}.");
        });
        return command;
    }

    private static Command Release()
    {
        var target = new Argument<string>("reservation") { Description = "A reservation id, or the name of a board you hold" };
        var command = new Command("release", "Release a reservation") { target };
        command.Handle(async (parse, api, ct) =>
        {
            var id = await ReservationIdAsync(api, parse.GetValue(target)!, ct);
            var reservation = await api.DeleteAsync($"api/v1/reservations/{id}", ct);
            return Cli.Print(parse, reservation, () => $"Released {reservation.Str("board")} (reservation {id}).");
        });
        return command;
    }

    private static Command Reservations()
    {
        var all = new Option<bool>("--all") { Description = "Also the ended ones" };
        var command = new Command("reservations", "Your current reservations (and waiting requests)") { all };
        command.Handle(async (parse, api, ct) =>
        {
            var reservations = await api.GetAsync($"api/v1/reservations{(parse.GetValue(all) ? "" : "?active=true")}", ct);
            var queue = await api.GetAsync("api/v1/queue", ct);
            return Cli.Print(parse, new { reservations, queue }, () =>
                Cli.Table(["ID", "BOARD", "STATE", "GRANTED", "EXPIRES"], reservations.EnumerateArray().Select(r => (IReadOnlyList<string>)[
                    r.Str("id"), r.Str("board"), r.Str("state"), r.Time("grantedAt"), r.Time("expiresAt")]))
                + string.Concat(queue.EnumerateArray().Select(q => $"\nwaiting: request {q.Str("id")} for class {q.Str("class")}, number {q.Str("position")} in the queue")));
        });
        return command;
    }

    private static Command Power()
    {
        var board = new Argument<string>("board");
        var action = new Argument<string>("action") { Description = "on, off, cycle or state" };
        action.AcceptOnlyFromAmong("on", "off", "cycle", "state");
        var command = new Command("power", "Switch a board's power or show its state") { board, action };
        command.Handle(async (parse, api, ct) =>
        {
            var name = Uri.EscapeDataString(parse.GetValue(board)!);
            var power = parse.GetValue(action) == "state"
                ? await api.GetAsync($"api/v1/boards/{name}/power", ct)
                : await api.PostAsync($"api/v1/boards/{name}/power", new { action = parse.GetValue(action) }, ct);
            return Cli.Print(parse, power, () => $"{power.Str("board")}: {power.Str("state")}");
        });
        return command;
    }

    /// <summary>A reservation id as given, or the id of the caller's active reservation of the named board.</summary>
    public static async Task<int> ReservationIdAsync(PortalApi api, string target, CancellationToken ct)
    {
        if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }

        var active = await api.GetAsync("api/v1/reservations?active=true", ct);
        return active.EnumerateArray().FirstOrDefault(r => string.Equals(r.Str("board"), target, StringComparison.OrdinalIgnoreCase)) is { ValueKind: JsonValueKind.Object } mine
            ? mine.Int("id")
            : throw new CliException(ExitCodes.NotFound, $"You hold no reservation of a board named '{target}'.");
    }

    /// <summary>The command's token, cancelled after the timeout when one is given.</summary>
    public static CancellationTokenSource Deadline(int? seconds, CancellationToken ct)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (seconds is { } s)
        {
            source.CancelAfter(TimeSpan.FromSeconds(s));
        }

        return source;
    }

    private static string Ports(JsonElement board) =>
        board.TryGetProperty("tunnels", out var ports) ? string.Join(",", ports.EnumerateArray().Select(p => p.ToString())) : "";

    private static string Or(string value, string fallback) => value.Length == 0 ? fallback : value;
}
