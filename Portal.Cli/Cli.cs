using System.CommandLine;
using System.Text.Json;

namespace Portal.Cli;

/// <summary>What every command shares: the --json switch, the API client, output, and errors as one sentence and an exit code.</summary>
public static class Cli
{
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the result as JSON (errors too: {\"error\": ..., \"exitCode\": ...}) for scripts",
        Recursive = true,
    };

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerOptions.Web) { WriteIndented = true };

    /// <summary>Runs a command's body; a <see cref="CliException"/> becomes its sentence and exit code.</summary>
    public static void Handle(this Command command, Func<ParseResult, PortalApi, CancellationToken, Task<int>> body) =>
        command.Handle(async (parse, ct) =>
        {
            using var api = new PortalApi(CliConfig.Load());
            return await body(parse, api, ct);
        });

    public static void Handle(this Command command, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await body(parse, ct);
            }
            catch (CliException ex)
            {
                return Fail(parse, ex.ExitCode, ex.Message);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Fail(parse, ExitCodes.Failed, "Interrupted.");
            }
            catch (IOException ex)
            {
                return Fail(parse, ExitCodes.Failed, ex.Message);
            }
        });

    public static int Fail(ParseResult parse, int exitCode, string sentence)
    {
        if (parse.GetValue(Json))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { error = sentence, exitCode }, JsonSerializerOptions.Web));
        }
        else
        {
            Console.Error.WriteLine($"portal: {sentence}");
        }

        return exitCode;
    }

    /// <summary>The JSON with --json, else the text.</summary>
    public static int Print(ParseResult parse, object json, Func<string> text)
    {
        Console.Out.WriteLine(parse.GetValue(Json) ? JsonSerializer.Serialize(json, Indented) : text());
        return ExitCodes.Ok;
    }

    /// <summary>Progress and notices: on stderr, so stdout stays the command's result (or the console's bytes).</summary>
    public static void Say(string text) => Console.Error.WriteLine(text);

    public static string Str(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? v.ToString() : "";

    public static int Int(this JsonElement e, string name) => e.GetProperty(name).GetInt32();

    public static string Time(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetDateTime().ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'") : "";

    /// <summary>Rows as aligned columns, as kubectl prints them.</summary>
    public static string Table(IEnumerable<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers.ToList() };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, all[0].Count).Select(i => all.Max(r => r[i].Length)).ToArray();
        return string.Join('\n', all.Select(r => string.Join("  ", r.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()));
    }
}
