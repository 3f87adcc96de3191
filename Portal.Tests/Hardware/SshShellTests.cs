using System.Text;
using System.Text.RegularExpressions;
using Portal.Hardware;
using Portal.Hardware.Ssh;
using Portal.Tests.Support;

namespace Portal.Tests.Hardware;

/// <summary>The SSH shell against a real sshd on loopback: key and password logins, the pty, and each failure's sentence.</summary>
public sealed partial class SshShellTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private SshTarget ByKey => new("127.0.0.1", sshd.Port, SshdFixture.User, sshd.KeyFile, null);

    private SshTarget ByPassword(string password) => new("127.0.0.1", sshd.Port, SshdFixture.User, null, password);

    [SshdFact]
    public async Task KeyLoginRunsACommandAndReportsTheHostKey()
    {
        await using var shell = await SshShell.OpenAsync(ByKey, _ => null, 80, 24, Timeout, CancellationToken.None);

        await shell.WriteAsync(Encoding.ASCII.GetBytes("echo key-$((6*7))\n"), CancellationToken.None);

        await ReadUntilAsync(shell, "key-42");
        Assert.Equal(sshd.HostKeyFingerprint, shell.HostKeyFingerprint);
    }

    [SshdFact]
    public async Task PasswordLoginRunsACommand()
    {
        await using var shell = await SshShell.OpenAsync(ByPassword(SshdFixture.Password), _ => null, 80, 24, Timeout, CancellationToken.None);

        await shell.WriteAsync(Encoding.ASCII.GetBytes("echo \"password-$((6*7)) $(whoami)\"\n"), CancellationToken.None);

        await ReadUntilAsync(shell, $"password-42 {SshdFixture.User}");
    }

    [SshdFact]
    public async Task ResizeReachesTheRemotePty()
    {
        await using var shell = await SshShell.OpenAsync(ByKey, _ => null, 80, 24, Timeout, CancellationToken.None);
        await shell.WriteAsync(Encoding.ASCII.GetBytes("stty size\n"), CancellationToken.None);
        await ReadUntilAsync(shell, "24 80");

        await shell.ResizeAsync(132, 43, CancellationToken.None);
        await shell.WriteAsync(Encoding.ASCII.GetBytes("stty size\n"), CancellationToken.None);

        await ReadUntilAsync(shell, "43 132");
    }

    [SshdFact]
    public async Task ARefusedHostKeyStopsTheLoginWithTheCheckersSentence()
    {
        var offered = new List<string>();

        var error = await Assert.ThrowsAsync<ShellSessionException>(() => SshShell.OpenAsync(
            ByKey,
            fingerprint =>
            {
                offered.Add(fingerprint);
                return $"ssh: host key of 127.0.0.1 changed from SHA256:old to {fingerprint}";
            },
            80,
            24,
            Timeout,
            CancellationToken.None));

        Assert.Equal([sshd.HostKeyFingerprint], offered);
        Assert.Equal($"ssh: host key of 127.0.0.1 changed from SHA256:old to {sshd.HostKeyFingerprint}", error.Message);
        Assert.Matches(FingerprintForm(), sshd.HostKeyFingerprint);
    }

    [SshdFact]
    public async Task WrongPasswordSaysAuthenticationFailed()
    {
        var error = await Assert.ThrowsAsync<ShellSessionException>(() => SshShell.OpenAsync(ByPassword("not-the-password"), _ => null, 80, 24, Timeout, CancellationToken.None));

        Assert.Equal($"ssh: authentication failed for {SshdFixture.User}@127.0.0.1:{sshd.Port}", error.Message);
        Assert.DoesNotContain("not-the-password", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClosedPortSaysConnectionRefused()
    {
        var port = LoopbackPorts.FreeTcp();

        var error = await Assert.ThrowsAsync<ShellSessionException>(() => SshShell.OpenAsync(new("127.0.0.1", port, "root", null, "x"), _ => null, 80, 24, Timeout, CancellationToken.None));

        Assert.Equal($"ssh to 127.0.0.1:{port}: connection refused", error.Message);
    }

    [Fact]
    public async Task MissingKeyFileIsNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"portal-no-such-key-{Guid.NewGuid():N}");

        var error = await Assert.ThrowsAsync<ShellSessionException>(() => SshShell.OpenAsync(new("127.0.0.1", 22, "root", path, null), _ => null, 80, 24, Timeout, CancellationToken.None));

        Assert.Equal($"ssh: key file {path} not found", error.Message);
    }

    /// <summary>Reads the shell until the text has appeared; the bound only keeps a broken test from hanging.</summary>
    private static async Task<string> ReadUntilAsync(IShellSession shell, string text)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new StringBuilder();
        var buffer = new byte[4096];
        while (!seen.ToString().Replace("\r", "", StringComparison.Ordinal).Contains(text, StringComparison.Ordinal))
        {
            int read;
            try
            {
                read = await shell.ReadAsync(buffer, bound.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"'{text}' did not appear; the shell showed: {seen}");
            }

            if (read == 0)
            {
                throw new EndOfStreamException($"The shell ended before '{text}' appeared; it showed: {seen}");
            }

            seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return seen.ToString();
    }

    [GeneratedRegex("^SHA256:[A-Za-z0-9+/]{43}$")]
    private static partial Regex FingerprintForm();
}
