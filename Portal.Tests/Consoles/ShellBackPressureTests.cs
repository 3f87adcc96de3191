using Microsoft.Extensions.Logging.Abstractions;
using Portal.Consoles;
using Portal.Hardware;
using Portal.Hardware.Containers;
using Portal.Hardware.Ssh;
using Portal.Tests.Support;

namespace Portal.Tests.Consoles;

/// <summary>
/// A shell tab whose browser stops acknowledging while the shell runs <c>cat /dev/urandom | base64</c>, against a real
/// sshd and a real Docker engine: the portal holds a bounded amount (the tab's window, plus for SSH the session's
/// buffer) and the output resumes once the browser catches up.
/// </summary>
public sealed class ShellBackPressureTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    private const string Flood = "cat /dev/urandom | base64\n";

    [SshdFact]
    public async Task AFloodingSshShellIsHeldWhileTheBrowserIsBehindAndResumesAfter()
    {
        var target = new SshTarget("127.0.0.1", sshd.Port, SshdFixture.User, sshd.KeyFile, null);
        SshShellSession? session = null;
        long mostBuffered = 0;

        await FloodWhileBehindAsync(
            async (columns, rows, cancellationToken) => session = await SshShell.OpenAsync(target, _ => null, columns, rows, TimeSpan.FromSeconds(10), cancellationToken),
            () => mostBuffered = Math.Max(mostBuffered, session!.Buffered));

        // SSH.NET appends one packet (at most 64 KiB) before the session holds its receiving thread.
        Assert.InRange(mostBuffered, 0, SshShellSession.BufferLimit + 64 * 1024);
    }

    [DockerFact]
    public async Task AFloodingSandboxShellIsHeldWhileTheBrowserIsBehindAndResumesAfter()
    {
        var owner = DockerEngine.NewOwner();
        using var engine = DockerEngine.Provider();
        try
        {
            var container = await engine.RunAsync(
                new SandboxContainerSpec($"{owner}-flood", DockerEngine.TestImage, new Dictionary<string, string> { ["portal.owner"] = owner }, null, "/dev/ttyBOARD", 1, 128L * 1024 * 1024, "none", "1000:1000", 64, []),
                CancellationToken.None);

            // The engine's stream is read only when the tab has room, so nothing piles up in the portal.
            await FloodWhileBehindAsync((columns, rows, cancellationToken) => engine.ExecAsync(container.Id, ["/bin/sh"], columns, rows, cancellationToken), () => { });
        }
        finally
        {
            await DockerEngine.RemoveContainersOfAsync(owner);
        }
    }

    /// <summary>Opens the shell in a tab, floods it, acknowledges nothing for 3 s (calling <paramref name="sample"/> every 100 ms), then catches up.</summary>
    private static async Task FloodWhileBehindAsync(Func<int, int, CancellationToken, Task<IShellSession>> open, Action sample)
    {
        var options = new ConsoleOptions();
        long written = 0;
        var connection = new ShellConnection(
            data =>
            {
                Interlocked.Add(ref written, data.Length);
                return Task.CompletedTask;
            },
            () => Task.CompletedTask,
            options,
            NullLogger.Instance);
        await using (connection)
        {
            connection.Start(async (columns, rows, cancellationToken) => new ShellOpening(await open(columns, rows, cancellationToken)), (80, 24));
            await PtyPair.WaitUntilAsync(() => connection.State == ShellState.Open, "the shell opened");
            await connection.TypeAsync(Flood);

            for (var i = 0; i < 30; i++)
            {
                await Task.Delay(100);
                sample();
            }

            var sentWhileBehind = Interlocked.Read(ref written);
            // One read (16 KiB) may pass the window.
            Assert.InRange(sentWhileBehind, options.HighWatermark, options.HighWatermark + 16 * 1024);

            // The browser catches up: output flows again, far past what was held.
            await PtyPair.WaitUntilAsync(
                () =>
                {
                    connection.Acknowledge((int)Math.Min(int.MaxValue, Interlocked.Read(ref written)));
                    return Interlocked.Read(ref written) > sentWhileBehind + 4 * 1024 * 1024;
                },
                "4 MiB more output after the browser caught up");
            Assert.Equal(ShellState.Open, connection.State);
        }
    }
}
