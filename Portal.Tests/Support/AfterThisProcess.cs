using System.Diagnostics;
using System.Globalization;

namespace Portal.Tests.Support;

/// <summary>
/// Cleans up what the whole test run shares (its PostgreSQL, its QEMU images) once this test process has gone, however
/// it went: xunit 2 has no assembly fixture to dispose at the end of the run, and a test host killed by a hang timeout
/// runs no exit handlers. A shell in a session of its own waits for this process, so that it outlives the process tree.
/// </summary>
public static class AfterThisProcess
{
    /// <summary>Runs <paramref name="command"/> (when given) and then removes <paramref name="folder"/>, after this process ended.</summary>
    public static void Remove(string folder, params string[] command)
    {
        const string script = """
            exec </dev/null >/dev/null 2>&1
            parent=$1 folder=$2
            shift 2
            while kill -0 "$parent"; do sleep 1; done
            [ $# -eq 0 ] || "$@"
            rm -rf -- "$folder"
            """;
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var argument in (string[])["-f", "/bin/sh", "-c", script, "sh", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), folder, .. command])
        {
            start.ArgumentList.Add(argument);
        }

        // setsid -f forks the shell off and returns at once.
        using var setsid = Process.Start(start)!;
        setsid.WaitForExit();
        if (setsid.ExitCode != 0)
        {
            throw new InvalidOperationException($"setsid could not start the clean-up of {folder} (exit code {setsid.ExitCode}).");
        }
    }
}
