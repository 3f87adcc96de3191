using System.Text;

namespace Portal.Tests.Hardware;

/// <summary>Reads a console stream as text, as a person watching the terminal would.</summary>
internal sealed class ConsoleReader(Stream stream)
{
    private readonly StringBuilder _seen = new();

    public string Seen => _seen.ToString();

    /// <summary>Reads until the text has appeared; the bound only keeps a broken test from hanging.</summary>
    public async Task<string> WaitForAsync(string text)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        while (!Seen.Contains(text, StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, bound.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"The console closed before '{text}' appeared; it showed: {Seen}");
            }

            _seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return Seen;
    }

    public async Task TypeAsync(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
}
