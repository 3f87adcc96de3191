using System.Diagnostics;

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
