using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Portal.Cli;

/// <summary>
/// The terminal in raw mode (no echo, no line editing, Ctrl-C goes to the board) while the console is open, through
/// stty on the same terminal; the saved settings come back on dispose.
/// </summary>
public sealed class RawTerminal : IDisposable
{
    private readonly string _saved;

    private RawTerminal(string saved) => _saved = saved;

    public static RawTerminal? Enter()
    {
        var saved = Stty("-g");
        if (saved is null)
        {
            return null;
        }

        Stty("raw", "-echo");
        return new RawTerminal(saved.Trim());
    }

    /// <summary>
    /// Standard input as the bytes come. On a terminal, .NET's own stdin stream reads through its line editor (echo,
    /// whole lines), which would hold keys back and hide the <c>~.</c> escape; this reads the descriptor itself.
    /// </summary>
    public static Stream OpenInput() =>
        Console.IsInputRedirected
            ? Console.OpenStandardInput()
            : new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);

    public void Dispose() => Stty(_saved);

    /// <summary>stty reads the terminal from its stdin, which it inherits from this process.</summary>
    private static string? Stty(params string[] arguments)
    {
        try
        {
            using var stty = Process.Start(new ProcessStartInfo("stty", arguments) { RedirectStandardOutput = true, UseShellExecute = false })!;
            var output = stty.StandardOutput.ReadToEnd();
            stty.WaitForExit();
            return stty.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
