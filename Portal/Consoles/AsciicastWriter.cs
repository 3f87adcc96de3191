using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Portal.Consoles;

/// <summary>
/// Writes a console's output with its timing as an asciinema v2 recording (<c>.cast</c>): a JSON header line, then
/// one <c>[seconds, "o", text]</c> line per chunk of output. Output is decoded as UTF-8 across chunk boundaries
/// (invalid bytes become U+FFFD, as a terminal shows them). The file stops growing before it would pass
/// <c>maxBytes</c>. A recording reopened after a restart continues after its last complete line, its times counted
/// from the header's timestamp, so they keep increasing across the restart.
/// </summary>
public sealed class AsciicastWriter : IAsyncDisposable
{
    /// <summary>A serial line has no window size; boards assume a VT100's 80×24.</summary>
    public const int Width = 80;
    public const int Height = 24;

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly FileStream _file;
    private readonly long _maxBytes;
    private readonly TimeProvider _clock;
    private readonly long _started;
    private readonly TimeSpan _offset;
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private readonly ArrayBufferWriter<byte> _line = new();
    private bool _full;

    private AsciicastWriter(FileStream file, long maxBytes, TimeProvider clock, TimeSpan offset)
    {
        _file = file;
        _maxBytes = maxBytes;
        _clock = clock;
        _started = clock.GetTimestamp();
        _offset = offset;
    }

    /// <summary>Starts a recording in <paramref name="file"/>, or continues the one it holds; the writer owns the file from here.</summary>
    public static async Task<AsciicastWriter> OpenAsync(FileStream file, string title, long maxBytes, TimeProvider clock, CancellationToken cancellationToken)
    {
        try
        {
            var now = clock.GetUtcNow();
            if (file.Length > 0 && await HeaderTimestampAsync(file, cancellationToken) is { } started)
            {
                await TruncateAfterLastLineAsync(file, cancellationToken);
                return new AsciicastWriter(file, maxBytes, clock, TimeSpan.FromTicks(Math.Max(0, (now - started).Ticks)));
            }

            file.SetLength(0);
            var writer = new AsciicastWriter(file, maxBytes, clock, TimeSpan.Zero);
            await writer.WriteHeaderAsync(title, now, cancellationToken);
            return writer;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    public async Task WriteOutputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_full)
        {
            return;
        }

        var chars = new char[_decoder.GetCharCount(data.Span, flush: false)];
        var count = _decoder.GetChars(data.Span, chars, flush: false);
        if (count == 0)
        {
            return; // only the start of a character, which the next chunk completes
        }

        var seconds = (_offset + _clock.GetElapsedTime(_started)).TotalSeconds;
        _line.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_line, JsonOptions))
        {
            json.WriteStartArray();
            json.WriteNumberValue(Math.Round(seconds, 6));
            json.WriteStringValue("o");
            json.WriteStringValue(chars.AsSpan(0, count));
            json.WriteEndArray();
        }

        if (_file.Position + _line.WrittenCount + 1 > _maxBytes)
        {
            _full = true;
            return;
        }

        await _file.WriteAsync(_line.WrittenMemory, cancellationToken);
        await _file.WriteAsync("\n"u8.ToArray(), cancellationToken);
        await _file.FlushAsync(cancellationToken);
    }

    /// <summary>A recording without output: the header line alone.</summary>
    public static string EmptyRecording(DateTime startedUtc)
    {
        var header = new ArrayBufferWriter<byte>();
        WriteHeader(header, null, new DateTimeOffset(DateTime.SpecifyKind(startedUtc, DateTimeKind.Utc)));
        return Encoding.UTF8.GetString(header.WrittenSpan) + "\n";
    }

    private static void WriteHeader(IBufferWriter<byte> output, string? title, DateTimeOffset started)
    {
        using var json = new Utf8JsonWriter(output, JsonOptions);
        json.WriteStartObject();
        json.WriteNumber("version", 2);
        json.WriteNumber("width", Width);
        json.WriteNumber("height", Height);
        json.WriteNumber("timestamp", started.ToUnixTimeSeconds());
        if (title is not null)
        {
            json.WriteString("title", title);
        }

        json.WriteEndObject();
    }

    private async Task WriteHeaderAsync(string title, DateTimeOffset started, CancellationToken cancellationToken)
    {
        _line.ResetWrittenCount();
        WriteHeader(_line, title, started);
        await _file.WriteAsync(_line.WrittenMemory, cancellationToken);
        await _file.WriteAsync("\n"u8.ToArray(), cancellationToken);
        await _file.FlushAsync(cancellationToken);
    }

    /// <summary>The header's start time, or null when the first line is not a complete v2 header (then the file starts over).</summary>
    private static async Task<DateTimeOffset?> HeaderTimestampAsync(FileStream file, CancellationToken cancellationToken)
    {
        file.Position = 0;
        var buffer = new byte[(int)Math.Min(file.Length, 4096)];
        await file.ReadExactlyAsync(buffer, cancellationToken);
        var end = Array.IndexOf(buffer, (byte)'\n');
        if (end < 0)
        {
            return null;
        }

        try
        {
            using var header = JsonDocument.Parse(buffer.AsMemory(0, end));
            return header.RootElement.TryGetProperty("version", out var version) && version.GetInt32() == 2
                && header.RootElement.TryGetProperty("timestamp", out var timestamp)
                ? DateTimeOffset.FromUnixTimeSeconds(timestamp.GetInt64())
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Drops a line the previous run left half written (killed mid-write) and positions at the end.</summary>
    private static async Task TruncateAfterLastLineAsync(FileStream file, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var end = file.Length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            file.Position = start;
            var length = (int)(end - start);
            await file.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
            var newline = buffer.AsSpan(0, length).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                file.SetLength(start + newline + 1);
                break;
            }

            end = start;
        }

        file.Position = file.Length;
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
