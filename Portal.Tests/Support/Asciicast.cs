using System.Diagnostics;
using System.Text.Json;

namespace Portal.Tests.Support;

/// <summary>
/// Reads an asciinema v2 recording strictly, as a player would: a header line (a JSON object with version 2, width,
/// height and timestamp), then event lines <c>[time, "o", data]</c> whose times never go back. Anything else fails the test.
/// </summary>
/// <summary>A test that needs asciinema itself (Debian package asciinema), the reference player of the format.</summary>
public sealed class AsciinemaFactAttribute : FactAttribute
{
    public const string AsciinemaPath = "/usr/bin/asciinema";

    public AsciinemaFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(File.Exists(AsciinemaPath), AsciinemaPath);
}

public sealed record Asciicast(int Width, int Height, DateTimeOffset Timestamp, IReadOnlyList<Asciicast.Event> Events)
{
    public sealed record Event(double Time, string Data);

    public static Asciicast Parse(string text)
    {
        Assert.EndsWith("\n", text);
        var lines = text[..^1].Split('\n');
        using var header = JsonDocument.Parse(lines[0]);
        Assert.Equal(JsonValueKind.Object, header.RootElement.ValueKind);
        Assert.Equal(2, header.RootElement.GetProperty("version").GetInt32());
        var width = header.RootElement.GetProperty("width").GetInt32();
        var height = header.RootElement.GetProperty("height").GetInt32();
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(header.RootElement.GetProperty("timestamp").GetInt64());
        Assert.True(width > 0 && height > 0, $"width {width}, height {height}");

        var events = new List<Event>();
        foreach (var line in lines.Skip(1))
        {
            using var json = JsonDocument.Parse(line);
            var array = json.RootElement;
            Assert.Equal(JsonValueKind.Array, array.ValueKind);
            Assert.Equal(3, array.GetArrayLength());
            var time = array[0].GetDouble();
            Assert.Equal("o", array[1].GetString());
            if (events.Count > 0)
            {
                Assert.True(time >= events[^1].Time, $"event at {time} s after one at {events[^1].Time} s");
            }

            Assert.True(time >= 0, $"event at {time} s");
            events.Add(new Event(time, array[2].GetString()!));
        }

        return new Asciicast(width, height, timestamp, events);
    }

    /// <summary>What <c>asciinema cat</c> prints for the recording at <paramref name="path"/>: all its output, as asciinema reads it.</summary>
    public static async Task<string> CatAsync(string path)
    {
        // asciinema cat talks to /dev/tty, so it runs on a pty of script(1), one that passes its output unchanged (-onlcr).
        var start = new ProcessStartInfo("script", ["-qec", $"stty -onlcr; {AsciinemaFactAttribute.AsciinemaPath} cat '{path}'", "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["HOME"] = Path.GetDirectoryName(path); // asciinema keeps its config under HOME
        using var asciinema = Process.Start(start)!;
        asciinema.StandardInput.Close();
        var output = asciinema.StandardOutput.ReadToEndAsync();
        var errors = asciinema.StandardError.ReadToEndAsync();
        await asciinema.WaitForExitAsync();
        Assert.True(asciinema.ExitCode == 0, $"asciinema cat {path} exited with {asciinema.ExitCode}: {await errors}");
        return await output;
    }
}
