using System.Text;
using Portal.Hardware;

namespace Portal.Tests.Hardware;

/// <summary>Reads a console (or a shell session) as text, as a person watching the terminal would.</summary>
internal sealed class ConsoleReader(Func<Memory<byte>, CancellationToken, ValueTask<int>> read, Func<ReadOnlyMemory<byte>, ValueTask> write)
{
    private readonly StringBuilder _seen = new();

    public ConsoleReader(Stream stream)
        : this(stream.ReadAsync, data => stream.WriteAsync(data))
    {
    }

    public ConsoleReader(IShellSession shell)
        : this(shell.ReadAsync, data => shell.WriteAsync(data, CancellationToken.None))
    {
    }

    public string Seen => _seen.ToString();

    /// <summary>Reads until the text has appeared; the bound only keeps a broken test from hanging.</summary>
    public async Task<string> WaitForAsync(string text, TimeSpan? within = null) => await WaitForAsync(text, 0, within);

    /// <summary>Reads until the text has appeared at or after <paramref name="from"/> characters into what was seen.</summary>
    public async Task<string> WaitForAsync(string text, int from, TimeSpan? within = null)
    {
        using var bound = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        while (Seen.IndexOf(text, from, StringComparison.Ordinal) < 0)
        {
            var count = await read(buffer, bound.Token);
            if (count == 0)
            {
                throw new EndOfStreamException($"The console closed before '{text}' appeared; it showed: {Seen}");
            }

            _seen.Append(Encoding.ASCII.GetString(buffer, 0, count));
        }

        return Seen;
    }

    public async Task TypeAsync(string text) => await write(Encoding.ASCII.GetBytes(text));
}
