using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Portal.Tests.Support;

/// <summary>A test against a real OpenSSH server (Debian package openssh-server) started by <see cref="SshdFixture"/>.</summary>
public sealed class SshdFactAttribute : FactAttribute
{
    public SshdFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(SshdFixture.Available, $"{SshdFixture.SshdPath} (run as root)");
}

/// <summary>A test against a real sshd and the real Docker engine (a sandbox reached through the portal).</summary>
public sealed class SshdAndDockerFactAttribute : FactAttribute
{
    public SshdAndDockerFactAttribute() =>
        Skip = IntegrationRequirement.SkipReasonUnless(SshdFixture.Available && File.Exists(DockerEngine.Socket), $"{SshdFixture.SshdPath} (run as root) and a Docker engine at {DockerEngine.Socket}");
}

/// <summary>A browser test against a real sshd: needs both Chromium and <see cref="SshdFixture"/>.</summary>
public sealed class ChromiumAndSshdFactAttribute : FactAttribute
{
    public ChromiumAndSshdFactAttribute() =>
        Skip = IntegrationRequirement.SkipReasonUnless(File.Exists(BrowserFixture.ChromiumPath) && SshdFixture.Available, $"{BrowserFixture.ChromiumPath} and {SshdFixture.SshdPath} (run as root)");
}

/// <summary>
/// OpenSSH's sshd on 127.0.0.1 and a free port, with its own config, host key and authorized client key in a temporary
/// directory. It logs in the local user <see cref="User"/> (created here when missing) by that key or by
/// <see cref="Password"/>. Needs root: sshd reads /etc/shadow for passwords and switches to the user.
/// </summary>
public sealed class SshdFixture : IAsyncLifetime
{
    public const string SshdPath = "/usr/sbin/sshd";
    public const string User = "portal-ssh-test";
    public const string Password = "Ssh-Test-Pass-1";

    private static readonly SemaphoreSlim UserCreation = new(1, 1);
    private readonly ProcessOutput _output = new();
    private Process? _sshd;

    public static bool Available => File.Exists(SshdPath) && Environment.UserName == "root";

    public string Directory { get; private set; } = "";

    public int Port { get; private set; }

    /// <summary>The client's private key (OpenSSH ed25519, no passphrase), authorized for <see cref="User"/>.</summary>
    public string KeyFile => Path.Combine(Directory, "client_key");

    /// <summary>The server's current host key as <c>ssh-keygen -lf</c> prints it.</summary>
    public string HostKeyFingerprint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (!Available && !IntegrationRequirement.Required)
        {
            return; // every [SshdFact] skips
        }

        Directory = System.IO.Directory.CreateTempSubdirectory("portal-sshd-").FullName;
        // sshd reads authorized_keys as the user it logs in.
        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        System.IO.Directory.CreateDirectory("/run/sshd"); // sshd's privilege separation directory
        await EnsureUserAsync();
        await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "portal-test-client", "-f", KeyFile);
        File.Copy(KeyFile + ".pub", Path.Combine(Directory, "authorized_keys"));
        await NewHostKeyAsync();

        Port = LoopbackPorts.FreeTcp();
        await File.WriteAllTextAsync(Path.Combine(Directory, "sshd_config"), $"""
            ListenAddress 127.0.0.1
            Port {Port}
            HostKey {Path.Combine(Directory, "host_key")}
            PidFile {Path.Combine(Directory, "sshd.pid")}
            AuthorizedKeysFile {Path.Combine(Directory, "authorized_keys")}
            PubkeyAuthentication yes
            PasswordAuthentication yes
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PermitRootLogin no
            AllowUsers {User}
            PrintMotd no
            PrintLastLog no
            Banner none
            LogLevel VERBOSE
            Subsystem sftp internal-sftp

            """);
        await StartAsync();
    }

    /// <summary>The server comes back on the same port with a new host key, as a reinstalled board would.</summary>
    public async Task ChangeHostKeyAsync()
    {
        await StopAsync();
        await NewHostKeyAsync();
        await StartAsync();
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (Directory.Length > 0)
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>Points the demo lab's rpi-02 (the board with <c>Ssh</c> set) at this server, logging in by key.</summary>
    public PortalFactory Configure(PortalFactory portal) => portal
        .WithSetting($"{Rpi02}:Host", "127.0.0.1")
        .WithSetting($"{Rpi02}:Port", $"{Port}")
        .WithSetting($"{Rpi02}:User", User)
        .WithSetting($"{Rpi02}:KeyFile", KeyFile);

    private const string Rpi02 = "Lab:Boards:3:Ssh";

    /// <summary>The home directory of <see cref="User"/>, where scp puts files.</summary>
    public static string Home => $"/home/{User}";


    private async Task NewHostKeyAsync()
    {
        var hostKey = Path.Combine(Directory, "host_key");
        File.Delete(hostKey);
        File.Delete(hostKey + ".pub");
        await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey);
        // "256 SHA256:base64 root@host (ED25519)"
        HostKeyFingerprint = (await RunAsync("ssh-keygen", "-l", "-f", hostKey + ".pub")).Split(' ')[1];
    }

    private async Task StartAsync()
    {
        _sshd = new Process
        {
            StartInfo = new ProcessStartInfo(SshdPath, ["-D", "-e", "-f", Path.Combine(Directory, "sshd_config")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        _output.Follow(_sshd);
        _sshd.Start();
        _sshd.BeginOutputReadLine();
        _sshd.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await AnswersAsync())
        {
            if (_sshd.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"sshd did not listen on 127.0.0.1:{Port}; its output:\n{_output}");
            }

            await Task.Delay(50);
        }
    }

    private async Task StopAsync()
    {
        if (_sshd is not null)
        {
            if (!_sshd.HasExited)
            {
                _sshd.Kill(entireProcessTree: true);
                await _sshd.WaitForExitAsync();
            }

            _sshd.Dispose();
            _sshd = null;
        }
    }

    /// <summary>Listening and greeting with its SSH version line.</summary>
    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var buffer = new byte[64];
            var read = await client.GetStream().ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("SSH-2.0-", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task EnsureUserAsync()
    {
        await UserCreation.WaitAsync();
        try
        {
            if ((await RunAsync("getent", ["passwd", User], check: false)).Length == 0)
            {
                var shell = File.Exists("/bin/bash") ? "/bin/bash" : "/bin/sh";
                await RunAsync("useradd", "--create-home", "--shell", shell, User);
            }

            await RunAsync("chpasswd", [], stdin: $"{User}:{Password}\n");
        }
        finally
        {
            UserCreation.Release();
        }
    }

    private static Task<string> RunAsync(string file, params string[] arguments) => RunAsync(file, arguments, check: true);

    private static async Task<string> RunAsync(string file, string[] arguments, bool check = true, string? stdin = null)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        await process.StandardInput.WriteAsync(stdin ?? "");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}");
        }

        return await output;
    }


}
