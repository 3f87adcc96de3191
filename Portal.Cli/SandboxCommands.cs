using System.CommandLine;
using System.Formats.Tar;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Portal.Cli;

/// <summary>
/// portal sandbox BOARD launch|status|stop|logs|shell|exec -- CMD...|cp SRC DST: the board's sandbox container, for
/// its holder. cp takes BOARD:/path for the sandbox's side, as docker cp does.
/// </summary>
public static class SandboxCommands
{
    public static Command Create()
    {
        var board = new Argument<string>("board");
        var action = new Argument<string>("action") { Description = "launch, status, stop, logs, shell, exec or cp" };
        action.AcceptOnlyFromAmong("launch", "status", "stop", "logs", "shell", "exec", "cp");
        var rest = new Argument<string[]>("arguments") { Description = "exec: -- COMMAND...; cp: LOCAL BOARD:/path or BOARD:/path LOCAL", Arity = ArgumentArity.ZeroOrMore };
        var image = new Option<string?>("--image") { Description = "launch: an image assigned to the board's class (default: the class's default image)" };
        var columns = new Option<int?>("--columns") { Description = "shell, exec: the pty's width (default: the terminal's)" };
        var rows = new Option<int?>("--rows") { Description = "shell, exec: the pty's height (default: the terminal's)" };
        var command = new Command("sandbox", "The sandbox container of a board you hold") { board, action, rest, image, columns, rows };
        command.Handle(async (parse, api, ct) =>
        {
            var name = parse.GetValue(board)!;
            var path = $"api/v1/boards/{Uri.EscapeDataString(name)}/sandbox";
            var arguments = parse.GetValue(rest) ?? [];
            var size = (parse.GetValue(columns) ?? TerminalWidth(), parse.GetValue(rows) ?? TerminalHeight());
            switch (parse.GetValue(action))
            {
                case "launch":
                    var launched = await api.PostAsync(path, new { image = parse.GetValue(image) }, ct);
                    return Cli.Print(parse, launched, () => $"Sandbox {launched.Str("container")} of {name} is {launched.Str("status")} (image {launched.Str("image")}).");
                case "status":
                    var status = await api.GetAsync(path, ct);
                    return Cli.Print(parse, status, () => $"{status.Str("container")}: {status.Str("status")}{(status.Str("reason") is { Length: > 0 } r ? $" ({r})" : "")}; image {status.Str("image")}; device: {status.Str("passthrough")}");
                case "stop":
                    var stopped = await api.DeleteAsync(path, ct);
                    return Cli.Print(parse, stopped, () => $"Sandbox {stopped.Str("container")} of {name} is {stopped.Str("status")}.");
                case "logs":
                    using (var logs = await api.StreamAsync(new HttpRequestMessage(HttpMethod.Get, $"{path}/logs"), ct))
                    {
                        var text = await logs.Content.ReadAsStringAsync(ct);
                        return Cli.Print(parse, new { board = name, logs = text }, () => text.TrimEnd('\n'));
                    }

                case "shell":
                    return await ExecAsync(parse, api, path, [], size, ct);
                case "exec":
                    return arguments.Length == 0
                        ? throw new CliException(ExitCodes.Usage, "Give the command after --, e.g. portal sandbox pine-01 exec -- uname -a.")
                        : await ExecAsync(parse, api, path, arguments, size, ct);
                default:
                    return arguments.Length == 2
                        ? await CopyAsync(parse, api, name, path, arguments[0], arguments[1], ct)
                        : throw new CliException(ExitCodes.Usage, $"cp takes a source and a destination, one of them {name}:/path.");
            }
        });
        return command;
    }

    /// <summary>
    /// The command (or the class's shell) on a pty in the sandbox; a terminal is put in raw mode and its size follows
    /// the window. The exit code is the command's, as kubectl exec gives it.
    /// </summary>
    private static async Task<int> ExecAsync(ParseResult parse, PortalApi api, string path, string[] command, (int Columns, int Rows) size, CancellationToken ct)
    {
        var query = string.Concat(command.Select(c => $"command={Uri.EscapeDataString(c)}&"));
        using var socket = await api.ConnectAsync($"{path}/exec?{query}columns={size.Columns}&rows={size.Rows}", ct);
        var interactive = !Console.IsInputRedirected;
        using var terminal = interactive ? RawTerminal.Enter() : null;
        using var resized = interactive && !OperatingSystem.IsWindows()
            ? PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => Task.Run(() => SendResizeAsync(socket, TerminalWidth(), TerminalHeight())))
            : null;
        var stdout = Console.OpenStandardOutput();
        int? exitCode = null;
        // Stdin is read until it ends or the process does; the session ends when the command does.
        _ = Task.Run(() => SocketPump.SendAsync(RawTerminal.OpenInput(), socket, ct, closeAtEnd: false), CancellationToken.None);
        var end = await SocketPump.ReceiveAsync(socket, async data =>
        {
            await stdout.WriteAsync(data, ct);
            await stdout.FlushAsync(ct);
        }, text =>
        {
            var notice = JsonSerializer.Deserialize<JsonElement>(text);
            if (notice.Str("type") == "exit" && notice.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number)
            {
                exitCode = code.GetInt32();
            }

            return Task.CompletedTask;
        }, ct);
        return end.Status == WebSocketCloseStatus.NormalClosure ? exitCode ?? ExitCodes.Ok : TunnelCommands.Ended(parse, end);
    }

    private static async Task SendResizeAsync(WebSocket socket, int columns, int rows)
    {
        try
        {
            var message = JsonSerializer.SerializeToUtf8Bytes(new { type = "resize", columns, rows }, JsonSerializerOptions.Web);
            await socket.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The command ended while the window was resized.
        }
    }

    /// <summary>docker cp in either direction: BOARD:/path names the sandbox's side.</summary>
    private static async Task<int> CopyAsync(ParseResult parse, PortalApi api, string board, string path, string source, string destination, CancellationToken ct)
    {
        var prefix = board + ":";
        if (destination.StartsWith(prefix, StringComparison.Ordinal) && !source.StartsWith(prefix, StringComparison.Ordinal))
        {
            var remote = destination[prefix.Length..];
            var (directory, entry) = remote.EndsWith('/') ? (remote, Path.GetFileName(source.TrimEnd('/'))) : (ParentOf(remote), Path.GetFileName(remote));
            if (!File.Exists(source) && !Directory.Exists(source))
            {
                throw new CliException(ExitCodes.NotFound, $"There is no file or directory {source} here.");
            }

            await using var tar = await PackAsync(source, entry, ct);
            var bytes = tar.Length;
            using var content = new StreamContent(tar);
            content.Headers.ContentType = new("application/x-tar");
            await api.SendAsync(HttpMethod.Put, $"{path}/files?path={Uri.EscapeDataString(directory)}", content, ct);
            var target = $"{directory.TrimEnd('/')}/{entry}";
            return Cli.Print(parse, new { board, source, destination = target, tarBytes = bytes }, () => $"Copied {source} to {board}:{target}.");
        }

        if (source.StartsWith(prefix, StringComparison.Ordinal) && !destination.StartsWith(prefix, StringComparison.Ordinal))
        {
            var remote = source[prefix.Length..];
            using var response = await api.StreamAsync(new HttpRequestMessage(HttpMethod.Get, $"{path}/files?path={Uri.EscapeDataString(remote)}"), ct);
            await using var tar = await response.Content.ReadAsStreamAsync(ct);
            var written = await UnpackAsync(tar, destination, ct);
            return Cli.Print(parse, new { board, source = remote, destination, files = written }, () => $"Copied {board}:{remote} to {destination}.");
        }

        throw new CliException(ExitCodes.Usage, $"cp copies between here and the sandbox: exactly one of source and destination is {board}:/path.");
    }

    /// <summary>The file or directory as a tar with <paramref name="entry"/> as its top name, in a temporary file that deletes itself.</summary>
    private static async Task<FileStream> PackAsync(string source, string entry, CancellationToken ct)
    {
        var tar = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose);
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            if (File.Exists(source))
            {
                await writer.WriteEntryAsync(source, entry, ct);
            }
            else
            {
                await writer.WriteEntryAsync(source, entry, ct);
                foreach (var file in Directory.EnumerateFileSystemEntries(source, "*", SearchOption.AllDirectories))
                {
                    await writer.WriteEntryAsync(file, $"{entry}/{Path.GetRelativePath(source, file).Replace('\\', '/')}", ct);
                }
            }
        }

        tar.Position = 0;
        return tar;
    }

    /// <summary>
    /// Writes the tar's entries under the destination: into it when it is a directory here, else the top entry becomes
    /// the destination. Entries that would land outside it are refused.
    /// </summary>
    private static async Task<int> UnpackAsync(Stream tar, string destination, CancellationToken ct)
    {
        var into = Directory.Exists(destination);
        var root = Path.GetFullPath(into ? destination : Path.GetDirectoryName(Path.GetFullPath(destination))!);
        await using var reader = new TarReader(tar);
        var written = 0;
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            var name = entry.Name.TrimEnd('/');
            var relative = into ? name : Path.GetFileName(destination) + name[(name.IndexOf('/') is var slash && slash < 0 ? name.Length : slash)..];
            var target = Path.GetFullPath(Path.Combine(root, relative));
            if (!target.StartsWith(root, StringComparison.Ordinal))
            {
                throw new CliException(ExitCodes.Failed, $"The sandbox sent an entry outside {destination} ({entry.Name}); nothing more was written.");
            }

            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(target);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    await entry.ExtractToFileAsync(target, overwrite: true, ct);
                    written++;
                    break;
            }
        }

        return written;
    }

    private static string ParentOf(string remote) => remote.LastIndexOf('/') is var slash && slash <= 0 ? "/" : remote[..slash];

    private static int TerminalWidth() => Console.IsOutputRedirected ? 80 : Math.Max(Console.WindowWidth, 10);

    private static int TerminalHeight() => Console.IsOutputRedirected ? 24 : Math.Max(Console.WindowHeight, 2);
}
