using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Portal.Cli;

/// <summary>
/// portal artifact push|list|rm, and portal deploy BOARD SLOT=FILE|ID|DIGEST...: builds into the portal's
/// content-addressed store and onto a board, as labgrid's write-image does from a developer's machine.
/// </summary>
public static class ArtifactCommands
{
    public static IEnumerable<Command> All() => [Artifact(), Deploy()];

    private static Command Artifact()
    {
        var file = new Argument<string>("file") { Description = "The file to upload" };
        var name = new Option<string?>("--name") { Description = "The artifact's name (default: the file's name)" };
        var tags = new Option<string[]>("--tag") { Description = "A tag (repeatable), e.g. --tag nightly", AllowMultipleArgumentsPerToken = false };
        var push = new Command("push", "Upload a file (streamed; a file already stored is not stored twice) and print its digest") { file, name, tags };
        push.Handle(async (parse, api, ct) =>
        {
            var pushed = await PushAsync(api, parse.GetValue(file)!, parse.GetValue(name), parse.GetValue(tags) ?? [], ct);
            return Cli.Print(parse, pushed, () => Describe(pushed));
        });

        var list = new Command("list", "The artifacts in the store, newest first");
        list.Handle(async (parse, api, ct) =>
        {
            var artifacts = await api.GetAsync("api/v1/artifacts", ct);
            return Cli.Print(parse, artifacts, () => Cli.Table(
                ["ID", "NAME", "SIZE", "DIGEST", "UPLOADER", "UPLOADED", "TAGS"],
                artifacts.EnumerateArray().Select(a => (IReadOnlyList<string>)[
                    a.Str("id"), a.Str("name"), a.Str("size"), a.Str("digest")[..Math.Min(19, a.Str("digest").Length)], a.Str("uploader"),
                    a.Time("uploadedAt"), string.Join(',', a.GetProperty("tags").EnumerateArray().Select(t => t.GetString()))])));
        });

        var id = new Argument<int>("id") { Description = "The artifact's id (portal artifact list)" };
        var remove = new Command("rm", "Delete an artifact (its uploader or an admin)") { id };
        remove.Handle(async (parse, api, ct) =>
        {
            var artifact = parse.GetValue(id);
            var deleted = await api.DeleteAsync($"api/v1/artifacts/{artifact}", ct);
            return Cli.Print(parse, deleted, () => $"Deleted artifact {artifact}.");
        });

        return new Command("artifact", "Files in the portal's artifact store: kernels, initramfs, disk images") { push, list, remove };
    }

    private static Command Deploy()
    {
        var board = new Argument<string>("board");
        var slots = new Argument<string[]>("artifacts")
        {
            Description = "SLOT=FILE, SLOT=ID or SLOT=sha256:DIGEST, e.g. kernel=./bzImage initrd=12 (a local file is pushed first)",
            Arity = ArgumentArity.OneOrMore,
        };
        var append = new Option<string?>("--append") { Description = "The kernel command line, for boards that take one" };
        var boot = new Option<bool>("--boot") { Description = "Power-cycle the board after deploying" };
        var expect = new Option<string?>("--expect") { Description = "With --boot: wait for this regular expression on the console" };
        var timeout = new Option<int?>("--timeout") { Description = "With --expect: seconds to wait (default 120)" };
        var command = new Command("deploy", "Deploy artifacts to a board you hold; --boot power-cycles it, --expect waits for its console") { board, slots, append, boot, expect, timeout };
        command.Handle(async (parse, api, ct) =>
        {
            if (parse.GetValue(expect) is not null && !parse.GetValue(boot))
            {
                throw new CliException(ExitCodes.Usage, "--expect waits for the console after a boot: add --boot.");
            }

            var artifacts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(slots)!)
            {
                var (slot, reference) = pair.Split('=', 2) is [{ Length: > 0 } s, { Length: > 0 } r]
                    ? (s, r)
                    : throw new CliException(ExitCodes.Usage, $"'{pair}' is not SLOT=FILE, SLOT=ID or SLOT=sha256:DIGEST.");
                artifacts[slot] = IsStoredReference(reference) || !File.Exists(reference)
                    ? reference
                    : await PushFileAsync(api, reference, ct);
            }

            var name = parse.GetValue(board)!;
            var deployed = await api.PostAsync($"api/v1/boards/{Uri.EscapeDataString(name)}/deploy", new
            {
                artifacts,
                append = parse.GetValue(append),
                boot = parse.GetValue(boot),
                expect = parse.GetValue(expect),
                timeoutSeconds = parse.GetValue(timeout),
            }, ct);
            return Cli.Print(parse, deployed, () => string.Join('\n',
                [$"Deployed {string.Join(", ", deployed.GetProperty("files").EnumerateArray().Select(f => f.GetString()))} to {name}{(deployed.GetProperty("boot").GetBoolean() ? " and booted it" : "")}.",
                 .. deployed.Str("output").Split('\n', StringSplitOptions.RemoveEmptyEntries)]));
        });
        return command;
    }

    /// <summary>An id or a digest names a stored artifact; anything else is a path here.</summary>
    private static bool IsStoredReference(string reference) =>
        reference.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase)
        || int.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static async Task<string> PushFileAsync(PortalApi api, string path, CancellationToken ct)
    {
        var pushed = await PushAsync(api, path, null, [], ct);
        Cli.Say(Describe(pushed));
        return pushed.Str("digest");
    }

    private static async Task<JsonElement> PushAsync(PortalApi api, string path, string? name, string[] tags, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.NotFound, $"There is no file {path} here.");
        }

        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file, 1024 * 1024);
        content.Headers.ContentLength = file.Length;
        content.Headers.ContentType = new("application/octet-stream");
        var query = tags.Length > 0 ? $"?tags={Uri.EscapeDataString(string.Join(',', tags))}" : "";
        return await api.SendAsync(HttpMethod.Put, $"api/v1/artifacts/{Uri.EscapeDataString(name ?? Path.GetFileName(path))}{query}", content, ct);
    }

    private static string Describe(JsonElement artifact) =>
        $"Artifact {artifact.Str("id")} {artifact.Str("name")}: {artifact.Str("digest")}, {artifact.Str("size")} bytes" +
        (artifact.TryGetProperty("deduplicated", out var d) && d.GetBoolean() ? " (the same bytes were already stored; they are kept once)." : ".");
}
