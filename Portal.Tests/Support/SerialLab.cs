using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Portal.Tests.Support;

public sealed class SocatFactAttribute : FactAttribute
{
    public SocatFactAttribute() => Skip = IntegrationRequirement.SkipReasonUnless(File.Exists(PtyPair.Socat), PtyPair.Socat);
}

public sealed class Ser2netFactAttribute : FactAttribute
{
    public Ser2netFactAttribute() =>
        Skip = IntegrationRequirement.SkipReasonUnless(File.Exists(PtyPair.Socat) && File.Exists(Ser2net.Binary), $"{PtyPair.Socat} and {Ser2net.Binary}");
}

/// <summary>
/// A pseudo-terminal pair made by socat: <see cref="Device"/> is what the portal opens as the board's serial port,
/// <see cref="Peer"/> is the board's side, where the test reads what was typed and prints what the board says.
/// </summary>
public sealed class PtyPair : IAsyncDisposable
{
    public const string Socat = "/usr/bin/socat";

    private Process? _socat;

    public PtyPair(string directory)
    {
        Device = Path.Combine(directory, "ttyBOARD");
        Peer = Path.Combine(directory, "ttyPEER");
    }

    public string Device { get; }

    public string Peer { get; }

    public async Task StartAsync()
    {
        // The device is the dialout group's, as udev makes a USB serial adapter, so a sandbox's non-root user may open it too.
        _socat = Process.Start(new ProcessStartInfo(Socat, [$"pty,raw,echo=0,perm=0660,group=dialout,link={Device}", $"pty,raw,echo=0,link={Peer}"]) { RedirectStandardError = true })!;
        await WaitUntilAsync(() => File.Exists(Device) && File.Exists(Peer), "socat's pty links");
    }

    /// <summary>Pulls the cable: socat goes away and with it both device paths.</summary>
    public async Task UnplugAsync()
    {
        if (_socat is { HasExited: false })
        {
            _socat.Kill();
            await _socat.WaitForExitAsync();
        }

        File.Delete(Device);
        File.Delete(Peer);
    }

    /// <summary>The board's side of the line, opened for reading and writing.</summary>
    public FileStream OpenPeer() => new(Peer, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);

    public async ValueTask DisposeAsync() => await UnplugAsync();

    /// <summary>Polls until the condition holds; <paramref name="within"/> (10 s unless given) only keeps a broken test from hanging.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not appear");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Reads the peer until the text has arrived; the bound only keeps a broken test from hanging.</summary>
    public static async Task<string> ReadUntilAsync(Stream stream, string text)
    {
        var seen = new StringBuilder();
        var buffer = new byte[4096];
        while (!seen.ToString().Contains(text, StringComparison.Ordinal))
        {
            var read = await Task.Run(() => stream.Read(buffer, 0, buffer.Length)).WaitAsync(TimeSpan.FromSeconds(10));
            seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return seen.ToString();
    }
}

/// <summary>A real ser2net exposing a serial device on a loopback TCP port, as a lab host would.</summary>
public sealed class Ser2net : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/ser2net";

    private readonly Process _process;

    private Ser2net(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<Ser2net> StartAsync(string device, string directory)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var config = Path.Combine(directory, "ser2net.yaml");
        await File.WriteAllTextAsync(config, $"""
            connection: &board
              accepter: tcp,127.0.0.1,{port}
              connector: serialdev,{device},115200n81,local
              options:
                kickolduser: true

            """);
        var process = Process.Start(new ProcessStartInfo(Binary, ["-n", "-u", "-c", config, "-P", Path.Combine(directory, "ser2net.pid")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        await PtyPair.WaitUntilAsync(() => IsListening(port), $"ser2net on port {port}");
        return new Ser2net(process, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
