using System.Text;
using Microsoft.Extensions.Time.Testing;
using Portal.Consoles;
using Portal.Data;
using Portal.Tests.Support;

namespace Portal.Tests.Consoles;

public sealed class AsciicastWriterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-cast-").FullName;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-11-24T10:00:00Z"));

    private string Path => System.IO.Path.Combine(_directory, "7.cast");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task OutputIsRecordedWithTheSecondsSinceTheStart()
    {
        await using (var cast = await OpenAsync())
        {
            await cast.WriteOutputAsync("U-Boot\r\n"u8.ToArray(), CancellationToken.None);
            _clock.Advance(TimeSpan.FromMilliseconds(1500));
            await cast.WriteOutputAsync("login: "u8.ToArray(), CancellationToken.None);
        }

        var recording = Asciicast.Parse(await File.ReadAllTextAsync(Path));

        Assert.Equal(DateTimeOffset.Parse("2026-11-24T10:00:00Z"), recording.Timestamp);
        Assert.Equal([new(0, "U-Boot\r\n"), new(1.5, "login: ")], recording.Events);
    }

    [Fact]
    public async Task ACharacterSplitAcrossTwoChunksStaysWholeAndBadBytesShowAsReplacements()
    {
        var text = Encoding.UTF8.GetBytes("température ✓");
        var split = Array.IndexOf(text, (byte)0xC3) + 1; // inside the é

        await using (var cast = await OpenAsync())
        {
            await cast.WriteOutputAsync(text.AsMemory(0, split), CancellationToken.None);
            await cast.WriteOutputAsync(text.AsMemory(split), CancellationToken.None);
            await cast.WriteOutputAsync(new byte[] { 0xFF, (byte)'\n' }, CancellationToken.None);
        }

        var recording = Asciicast.Parse(await File.ReadAllTextAsync(Path));

        Assert.Equal("température ✓\uFFFD\n", string.Concat(recording.Events.Select(e => e.Data)));
    }

    [Fact]
    public async Task TheFileStopsGrowingBeforeTheSizeLimit()
    {
        await using (var cast = await OpenAsync(maxBytes: 4096))
        {
            for (var i = 0; i < 200; i++)
            {
                await cast.WriteOutputAsync(Encoding.ASCII.GetBytes($"line {i} of a flooding board\r\n"), CancellationToken.None);
                _clock.Advance(TimeSpan.FromMilliseconds(10));
            }
        }

        Assert.InRange(new FileInfo(Path).Length, 3 * 1024, 4096);
        var recording = Asciicast.Parse(await File.ReadAllTextAsync(Path));
        Assert.StartsWith("line 0 of", recording.Events[0].Data);
    }

    [Fact]
    public async Task ARecordingContinuedAfterAKillDropsTheHalfWrittenLineAndKeepsItsTimesIncreasing()
    {
        await using (var cast = await OpenAsync())
        {
            _clock.Advance(TimeSpan.FromSeconds(2));
            await cast.WriteOutputAsync("before the kill\r\n"u8.ToArray(), CancellationToken.None);
        }

        await File.AppendAllTextAsync(Path, "[2.5, \"o\", \"half wri");
        _clock.Advance(TimeSpan.FromSeconds(10));

        await using (var cast = await OpenAsync())
        {
            await cast.WriteOutputAsync("after the restart\r\n"u8.ToArray(), CancellationToken.None);
        }

        var recording = Asciicast.Parse(await File.ReadAllTextAsync(Path));
        Assert.Equal([new(2, "before the kill\r\n"), new(12, "after the restart\r\n")], recording.Events);
    }

    [AsciinemaFact]
    public async Task AsciinemaItselfReadsTheRecording()
    {
        await using (var cast = await OpenAsync())
        {
            await cast.WriteOutputAsync("U-Boot 2024.01\r\n"u8.ToArray(), CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(1));
            await cast.WriteOutputAsync("\u001b[1mWelcome\u001b[0m to pine-01 ✓\r\n"u8.ToArray(), CancellationToken.None);
        }

        Assert.Equal("U-Boot 2024.01\r\n\u001b[1mWelcome\u001b[0m to pine-01 ✓\r\n", await Asciicast.CatAsync(Path));
    }

    private Task<AsciicastWriter> OpenAsync(long maxBytes = 1024 * 1024) =>
        AsciicastWriter.OpenAsync(PrivateFiles.OpenReadWrite(Path), "pine-01, reservation 7", maxBytes, _clock, CancellationToken.None);
}
