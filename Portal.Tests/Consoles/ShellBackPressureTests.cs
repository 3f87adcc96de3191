using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Consoles;
using Portal.Hardware.Ssh;
using Portal.Tests.Support;

namespace Portal.Tests.Consoles;

/// <summary>
/// An SSH tab whose browser stops acknowledging, against a real sshd running <c>cat /dev/urandom | base64</c>: the
/// portal holds a bounded amount (the tab's window plus the session's buffer) and the output resumes once the
/// browser catches up.
/// </summary>
public sealed class ShellBackPressureTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [SshdFact]
    public async Task AFloodingSshShellIsHeldWhileTheBrowserIsBehindAndResumesAfter()
    {
        var options = new ConsoleOptions();
        var target = new SshTarget("127.0.0.1", sshd.Port, SshdFixture.User, sshd.KeyFile, null);
        SshShellSession? session = null;
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
            connection.Start(
                async (columns, rows, cancellationToken) =>
                {
                    session = await SshShell.OpenAsync(target, _ => null, columns, rows, TimeSpan.FromSeconds(10), cancellationToken);
                    return new ShellOpening(session);
                },
                (80, 24));
            await PtyPair.WaitUntilAsync(() => connection.State == ShellState.Open, "the shell opened");
            await connection.TypeAsync("cat /dev/urandom | base64\n");

            // The browser acknowledges nothing for 3 s, sampled every 100 ms.
            long mostBuffered = 0;
            for (var i = 0; i < 30; i++)
            {
                await Task.Delay(100);
                mostBuffered = Math.Max(mostBuffered, session!.Buffered);
            }

            var sentWhileBehind = Interlocked.Read(ref written);
            // One read (16 KiB) may pass the window; SSH.NET appends one packet (at most 64 KiB) before it is held.
            Assert.InRange(sentWhileBehind, options.HighWatermark, options.HighWatermark + 16 * 1024);
            Assert.InRange(mostBuffered, 0, SshShellSession.BufferLimit + 64 * 1024);

            // The browser catches up: output flows again, far past what was held.
            var resumedFrom = sentWhileBehind;
            await PtyPair.WaitUntilAsync(
                () =>
                {
                    connection.Acknowledge((int)Math.Min(int.MaxValue, Interlocked.Read(ref written)));
                    return Interlocked.Read(ref written) > resumedFrom + 4 * 1024 * 1024;
                },
                "4 MiB more output after the browser caught up");
            Assert.Equal(ShellState.Open, connection.State);
        }
    }
}
