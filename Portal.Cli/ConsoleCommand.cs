using System.CommandLine;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.Cli;

/// <summary>
/// portal console: a board's serial console in the terminal (raw mode, <c>~.</c> to leave, as ssh and microcom),
/// streamed from and to pipes, waited on with <c>--expect</c>, or served on a local TCP port with <c>--listen</c>.
/// </summary>
public static class ConsoleCommand
{
    public static Command Create()
    {
        var board = new Argument<string>("board");
        var expect = new Option<string?>("--expect") { Description = "Exit 0 once the console prints a match of this regular expression (only output after attaching counts)" };
        var timeout = new Option<int?>("--timeout") { Description = "Give up after this many seconds (exit code 5)" };
        var power = new Option<string?>("--power") { Description = "Switch the power (on, off or cycle) once attached, so nothing the board prints is missed" };
        power.AcceptOnlyFromAmong("on", "off", "cycle");
        var listen = new Option<string?>("--listen") { Description = "Serve the console on a local TCP port instead, e.g. 127.0.0.1:2323, for tio, socat or pyserial's socket://" };
        var command = new Command("console", "The board's serial console: interactive on a terminal (~. leaves), else stdin in and output out") { board, expect, timeout, power, listen };
        command.Handle(async (parse, api, ct) =>
        {
            var name = parse.GetValue(board)!;
            if (parse.GetValue(listen) is { } address)
            {
                return await ListenAsync(api, name, address, ct);
            }

            Regex? pattern;
            try
            {
                pattern = parse.GetValue(expect) is { } regex ? new Regex(regex, RegexOptions.Multiline, TimeSpan.FromSeconds(1)) : null;
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ExitCodes.Usage, $"--expect is not a regular expression: {ex.Message}");
            }

            using var deadline = LabCommands.Deadline(parse.GetValue(timeout), ct);
            try
            {
                return await RunAsync(parse, api, name, pattern, parse.GetValue(power), deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                var what = pattern is null ? "The console session" : $"No output of {name} matched '{pattern}'";
                return Cli.Fail(parse, ExitCodes.Timeout, $"{what} within {parse.GetValue(timeout)} s.");
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, PortalApi api, string board, Regex? pattern, string? power, CancellationToken ct)
    {
        var json = parse.GetValue(Cli.Json);
        using var socket = await api.ConnectAsync(ConsolePath(board, replay: pattern is null), ct);
        var interactive = !Console.IsInputRedirected && pattern is null;
        var stdout = Console.OpenStandardOutput();
        var result = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var matcher = new Matcher(pattern);
        var lastOutput = Stopwatch.StartNew();
        var hello = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var receiving = SocketPump.ReceiveAsync(socket, async data =>
        {
            lastOutput.Restart();
            if (!json)
            {
                await stdout.WriteAsync(data, ct);
                await stdout.FlushAsync(ct);
            }

            if (matcher.Feed(data.Span) is { } match)
            {
                result.TrySetResult(json ? Cli.Print(parse, new { board, matched = match }, () => "") : ExitCodes.Ok);
            }
        }, text =>
        {
            var notice = JsonSerializer.Deserialize<JsonElement>(text);
            switch (notice.Str("type"))
            {
                case "hello":
                    hello.TrySetResult();
                    break;
                case "sync":
                    synced.TrySetResult();
                    break;
                case "refused" when interactive:
                    Cli.Say($"\r\n[portal: {notice.Str("detail")}]\r");
                    break;
                case "refused":
                    result.TrySetResult(Cli.Fail(parse, ExitCodes.Refused, notice.Str("detail")));
                    break;
            }

            return Task.CompletedTask;
        }, ct);
        await Task.WhenAny(hello.Task, receiving);

        if (power is not null)
        {
            var state = await api.PostAsync($"api/v1/boards/{Uri.EscapeDataString(board)}/power", new { action = power }, ct);
            Cli.Say($"{board}: power {power}, now {state.Str("state")}");
        }

        using var terminal = interactive ? RawTerminal.Enter() : null;
        if (interactive)
        {
            Cli.Say($"[connected to the console of {board}; ~. leaves]\r");
            _ = Task.Run(() => TypeAsync(socket, result, ct), CancellationToken.None);
        }
        else if (Console.IsInputRedirected)
        {
            _ = Task.Run(async () =>
            {
                await SocketPump.SendAsync(RawTerminal.OpenInput(), socket, ct, closeAtEnd: false);
                if (pattern is null)
                {
                    // Piped input has ended: once the portal has taken (or refused) all of it, leave when the board
                    // has answered and gone quiet for a second.
                    await socket.SendAsync("{\"type\":\"sync\"}"u8.ToArray(), WebSocketMessageType.Text, true, ct);
                    await synced.Task.WaitAsync(ct);
                    lastOutput.Restart();
                    while (lastOutput.Elapsed < TimeSpan.FromSeconds(1))
                    {
                        await Task.Delay(100, ct);
                    }

                    result.TrySetResult(ExitCodes.Ok);
                }
            }, CancellationToken.None);
        }

        var finished = await Task.WhenAny(result.Task, receiving, Task.Delay(Timeout.Infinite, ct));
        ct.ThrowIfCancellationRequested();
        if (finished == result.Task)
        {
            return await result.Task;
        }

        return TunnelCommands.Ended(parse, await receiving) is var code && code == ExitCodes.Ok && pattern is not null
            ? Cli.Fail(parse, ExitCodes.Failed, $"The console of {board} closed before it printed a match of '{pattern}'.")
            : code;
    }

    /// <summary>Keys from a raw terminal, with ssh's escape: <c>~.</c> at the start of a line leaves.</summary>
    private static async Task TypeAsync(WebSocket socket, TaskCompletionSource<int> result, CancellationToken ct)
    {
        var stdin = RawTerminal.OpenInput();
        var buffer = new byte[1024];
        var lineStart = true;
        var tilde = false;
        try
        {
            int read;
            while ((read = await stdin.ReadAsync(buffer, ct)) > 0)
            {
                var send = new List<byte>(read + 1);
                foreach (var b in buffer.AsSpan(0, read))
                {
                    if (tilde)
                    {
                        tilde = false;
                        if (b == '.')
                        {
                            result.TrySetResult(ExitCodes.Ok);
                            return;
                        }

                        if (b != '~')
                        {
                            send.Add((byte)'~');
                        }
                    }
                    else if (b == '~' && lineStart)
                    {
                        tilde = true;
                        continue;
                    }

                    send.Add(b);
                    lineStart = b is (byte)'\r' or (byte)'\n';
                }

                await socket.SendAsync(send.ToArray(), WebSocketMessageType.Binary, true, ct);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            // The portal closed the console; the receiving side says why.
        }

        result.TrySetResult(ExitCodes.Ok);
    }

    /// <summary>Each local connection is one more watcher of the console, typing as the caller; like a serial port, no scrollback.</summary>
    private static async Task<int> ListenAsync(PortalApi api, string board, string address, CancellationToken ct)
    {
        (await api.ConnectAsync(ConsolePath(board, replay: false), ct)).Dispose();
        using var listener = TunnelCommands.Listen(address);
        Cli.Say($"Serving the console of {board} on {listener.LocalEndpoint}; Ctrl-C to stop.");
        return await TunnelCommands.ServeAsync(listener, async (client, token) =>
        {
            using var socket = await api.ConnectAsync(ConsolePath(board, replay: false), token);
            var stream = client.GetStream();
            var typing = Task.Run(async () =>
            {
                var buffer = new byte[SocketPump.BufferBytes];
                int read;
                while ((read = await stream.ReadAsync(buffer, token)) > 0)
                {
                    await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, true, token);
                }

                // A client that stopped sending (socat at the end of its input) still gets what the board answers, for a while.
                await Task.Delay(TimeSpan.FromSeconds(5), token);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client left", token);
            }, token);
            var end = await SocketPump.ReceiveAsync(socket, data => stream.WriteAsync(data, token).AsTask(), text =>
            {
                if (JsonSerializer.Deserialize<JsonElement>(text) is var notice && notice.Str("type") == "refused")
                {
                    Cli.Say($"portal: {notice.Str("detail")}");
                }

                return Task.CompletedTask;
            }, token);
            if (end.Refused)
            {
                Cli.Say($"portal: {end.Reason}");
            }

            client.Close();
            await typing.ContinueWith(_ => { }, TaskScheduler.Default);
        }, ct);
    }

    private static string ConsolePath(string board, bool replay) =>
        $"api/v1/boards/{Uri.EscapeDataString(board)}/console{(replay ? "" : "?scrollback=false")}";

    /// <summary>Matches the regular expression against what the console printed so far (the last 64 KiB of text).</summary>
    private sealed class Matcher(Regex? pattern)
    {
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
        private readonly StringBuilder _seen = new();

        public string? Feed(ReadOnlySpan<byte> data)
        {
            if (pattern is null)
            {
                return null;
            }

            var chars = new char[_decoder.GetCharCount(data, flush: false)];
            _decoder.GetChars(data, chars, flush: false);
            _seen.Append(chars);
            if (_seen.Length > 64 * 1024)
            {
                _seen.Remove(0, _seen.Length - 64 * 1024);
            }

            var match = pattern.Match(_seen.ToString());
            return match.Success ? match.Value : null;
        }
    }
}
