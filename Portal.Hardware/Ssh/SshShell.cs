using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Portal.Hardware.Ssh;

/// <summary>
/// Opens an interactive SSH shell on a pty, or runs one command (SSH.NET). The host key is offered to <c>checkHostKey</c> before
/// anything is sent: it returns null to trust the key, or the sentence saying why not, which becomes the error.
/// Every failure is a <see cref="ShellSessionException"/> with one sentence naming the host, port or file.
/// </summary>
public static class SshShell
{
    public const string TerminalType = "xterm-256color";

    public static async Task<SshShellSession> OpenAsync(
        SshTarget target,
        Func<string, string?> checkHostKey,
        int columns,
        int rows,
        TimeSpan connectTimeout,
        CancellationToken cancellationToken)
    {
        var (client, fingerprint) = await ConnectAsync(target, checkHostKey, connectTimeout, cancellationToken);
        try
        {
            var stream = client.CreateShellStream(TerminalType, (uint)columns, (uint)rows, 0, 0, 64 * 1024);
            return new SshShellSession(client, stream, fingerprint);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            client.Dispose();
            throw Explain(ex, target, null);
        }
    }

    /// <summary>
    /// Runs one command (an exec channel, no pty, as <c>ssh host command</c>) and returns its exit code and its output
    /// (stdout, then stderr); a command still running after <paramref name="timeout"/> is a <see cref="ShellSessionException"/>.
    /// </summary>
    public static async Task<(int? ExitCode, string Output, string HostKeyFingerprint)> RunAsync(
        SshTarget target,
        Func<string, string?> checkHostKey,
        string command,
        TimeSpan connectTimeout,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var (client, fingerprint) = await ConnectAsync(target, checkHostKey, connectTimeout, cancellationToken);
        using (client)
        {
            using var ssh = client.CreateCommand(command);
            try
            {
                await WithinAsync(ssh.ExecuteAsync, timeout, $"ssh to {target.Endpoint}: '{command}' did not finish within {timeout.TotalSeconds:0.#} s", cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not ShellSessionException)
            {
                throw Explain(ex, target, null);
            }

            return (ssh.ExitStatus, ssh.Result + ssh.Error, fingerprint);
        }
    }

    private static async Task<(SshClient Client, string Fingerprint)> ConnectAsync(
        SshTarget target, Func<string, string?> checkHostKey, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var connection = new ConnectionInfo(target.Host, target.Port, target.User, Authentication(target)) { Timeout = connectTimeout };
        var client = new SshClient(connection);
        string? fingerprint = null;
        string? hostKeyRefusal = null;
        client.HostKeyReceived += (_, e) =>
        {
            fingerprint = $"SHA256:{e.FingerPrintSHA256}";
            hostKeyRefusal = checkHostKey(fingerprint);
            e.CanTrust = hostKeyRefusal is null;
        };

        try
        {
            await WithinAsync(client.ConnectAsync, connectTimeout, $"ssh to {target.Endpoint}: no answer within {connectTimeout.TotalSeconds:0.#} s", cancellationToken);
            return (client, fingerprint!);
        }
        catch (Exception ex) when (ex is not ShellSessionException and not OperationCanceledException)
        {
            client.Dispose();
            throw Explain(ex, target, hostKeyRefusal);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    // Runs the operation for at most the timeout; running out is the sentence, as a ShellSessionException.
    private static async Task WithinAsync(Func<CancellationToken, Task> operation, TimeSpan timeout, string late, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            await operation(bound.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ShellSessionException(late);
        }
    }

    private static AuthenticationMethod Authentication(SshTarget target)
    {
        if (target.Password is { } password)
        {
            return new PasswordAuthenticationMethod(target.User, password);
        }

        var path = target.KeyFile ?? throw new ShellSessionException($"ssh to {target.Endpoint}: no key file or password configured");
        try
        {
            return new PrivateKeyAuthenticationMethod(target.User, new PrivateKeyFile(path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ShellSessionException($"ssh: key file {path} not found", ex);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new ShellSessionException($"ssh: key file {path} is not readable ({ex.GetType().Name})", ex);
        }
        catch (Exception ex) when (ex is SshException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new ShellSessionException($"ssh: key file {path} is not a private key SSH.NET can read", ex);
        }
    }

    private static ShellSessionException Explain(Exception ex, SshTarget target, string? hostKeyRefusal) => ex switch
    {
        _ when hostKeyRefusal is not null => new(hostKeyRefusal, ex),
        SshAuthenticationException => new($"ssh: authentication failed for {target}", ex),
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => new($"ssh to {target.Endpoint}: connection refused", ex),
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } => new($"ssh to {target.Endpoint}: unknown host {target.Host}", ex),
        SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown } => new($"ssh to {target.Endpoint}: host unreachable", ex),
        SocketException { SocketErrorCode: SocketError.TimedOut } or SshOperationTimeoutException => new($"ssh to {target.Endpoint}: timed out", ex),
        SocketException socket => new($"ssh to {target.Endpoint}: {socket.Message}", ex),
        SshConnectionException => new($"ssh to {target.Endpoint}: the server closed the connection ({ex.Message})", ex),
        _ => new($"ssh to {target.Endpoint}: {ex.Message}", ex),
    };
}
