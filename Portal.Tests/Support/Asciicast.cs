using System.Text.Json;

namespace Portal.Tests.Support;

/// <summary>
/// Reads an asciinema v2 recording strictly, as a player would: a header line (a JSON object with version 2, width,
/// height and timestamp), then event lines <c>[time, "o", data]</c> whose times never go back. Anything else fails the test.
/// </summary>
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
}
