using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Hardware;
using Portal.Tests.Support;

namespace Portal.Tests.Hardware;

/// <summary>The serial driver on a socat pty pair, and the TCP driver through a real ser2net.</summary>
public sealed class SerialAndTcpConsoleTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-serial-").FullName;
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddHardware().BuildServiceProvider();
    private PtyPair _line = null!;

    public async Task InitializeAsync()
    {
        _line = new PtyPair(_directory);
        if (File.Exists(PtyPair.Socat))
        {
            await _line.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await _line.DisposeAsync();
        await _services.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [SocatFact]
    public async Task SerialConsoleCarriesBytesBothWays()
    {
        var console = Console("serial", ("Device", _line.Device), ("Baud", "115200"));
        await using var stream = await console.OpenAsync(CancellationToken.None);
        await using var board = _line.OpenPeer();

        await board.WriteAsync("U-Boot SPL 2024.01\r\n"u8.ToArray());
        var fromBoard = new ConsoleReader(stream);
        await fromBoard.WaitForAsync("U-Boot SPL 2024.01");
        await stream.WriteAsync("printenv\r"u8.ToArray());

        Assert.Contains("printenv\r", await PtyPair.ReadUntilAsync(board, "printenv\r"));
        Assert.Equal(_line.Device, console.Describe);
    }

    // A break on a pty is accepted but never reaches the other side (Linux ptys have no break_ctl, and socat relays
    // only bytes), so what can be checked here is that setting and clearing it works on a real tty, takes the break's
    // time, and leaves the line carrying bytes; the board's reaction is checked on the simulated board.
    [SocatFact]
    public async Task SerialConsoleSendsABreakOnARealTtyAndKeepsCarryingBytes()
    {
        var console = (IBreakableConsole)Console("serial", ("Device", _line.Device));
        await using var stream = await console.OpenAsync(CancellationToken.None);
        await using var board = _line.OpenPeer();

        var started = System.Diagnostics.Stopwatch.StartNew();
        await console.SendBreakAsync(stream, CancellationToken.None);
        Assert.InRange(started.ElapsedMilliseconds, 240, 5_000);

        await stream.WriteAsync("after break\r"u8.ToArray());
        Assert.Equal("after break\r", await PtyPair.ReadUntilAsync(board, "after break\r"));
    }

    [Fact]
    public async Task MissingSerialDeviceIsNamed()
    {
        var console = Console("serial", ("Device", Path.Combine(_directory, "ttyUSB9")));

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => console.OpenAsync(CancellationToken.None));

        Assert.Equal($"{Path.Combine(_directory, "ttyUSB9")} not found", error.Message);
    }

    [Ser2netFact]
    public async Task TcpConsoleReachesABoardThroughSer2net()
    {
        await using var ser2net = await Ser2net.StartAsync(_line.Device, _directory);
        var console = Console("tcp", ("Host", "127.0.0.1"), ("Port", ser2net.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await using var stream = await console.OpenAsync(CancellationToken.None);
        await using var board = _line.OpenPeer();

        await stream.WriteAsync(Encoding.ASCII.GetBytes("uname -a\r"));
        Assert.Contains("uname -a\r", await PtyPair.ReadUntilAsync(board, "uname -a\r"));
        await board.WriteAsync("Linux lab-board 6.6.0\r\n"u8.ToArray());

        await new ConsoleReader(stream).WaitForAsync("Linux lab-board 6.6.0");
        Assert.Equal($"127.0.0.1:{ser2net.Port}", console.Describe);
    }

    [Fact]
    public async Task TcpConsoleToAClosedPortSaysConnectionRefused()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var console = Console("tcp", ("Host", "127.0.0.1"), ("Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var error = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => console.OpenAsync(CancellationToken.None));

        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    private IConsole Console(string driver, params (string Key, string Value)[] settings)
    {
        var values = settings.ToDictionary(s => s.Key, s => (string?)s.Value);
        values["Driver"] = driver;
        return _services.GetRequiredService<DriverFactory>().CreateConsole("board-1", new DriverSpec(driver, values));
    }
}
