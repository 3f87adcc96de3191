using System.Globalization;
using System.IO.Ports;

namespace Portal.Hardware.Consoles;

/// <summary>
/// A serial device on the portal's host, e.g. <c>/dev/ttyUSB0</c>. Settings: <c>Device</c> (required), <c>Baud</c>
/// (115200), <c>Parity</c> (none, odd, even, mark, space), <c>DataBits</c> (8), <c>StopBits</c> (1, 1.5, 2),
/// <c>FlowControl</c> (none, rtscts, xonxoff).
/// </summary>
public sealed class SerialConsole(BoardDriverContext context) : IBreakableConsole, IDriver
{
    private static readonly Dictionary<string, Parity> Parities = new(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = Parity.None, ["odd"] = Parity.Odd, ["even"] = Parity.Even, ["mark"] = Parity.Mark, ["space"] = Parity.Space,
    };

    private static readonly Dictionary<string, StopBits> StopBitChoices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["1"] = StopBits.One, ["1.5"] = StopBits.OnePointFive, ["2"] = StopBits.Two,
    };

    private static readonly Dictionary<string, Handshake> FlowControls = new(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = Handshake.None, ["rtscts"] = Handshake.RequestToSend, ["xonxoff"] = Handshake.XOnXOff,
    };

    public static string Name => "serial";

    public static IReadOnlyList<string> RequiredSettings => ["Device"];

    public static IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec)
    {
        if (spec.Get("Baud") is { } baud && (!int.TryParse(baud, NumberStyles.None, CultureInfo.InvariantCulture, out var rate) || rate < 50))
        {
            yield return new("Baud", $"'{baud}' is not a baud rate");
        }

        if (spec.Get("DataBits") is { } bits && bits is not ("5" or "6" or "7" or "8"))
        {
            yield return new("DataBits", $"'{bits}' is not 5, 6, 7 or 8");
        }

        foreach (var (key, choices) in new (string, IEnumerable<string>)[] { ("Parity", Parities.Keys), ("StopBits", StopBitChoices.Keys), ("FlowControl", FlowControls.Keys) })
        {
            if (spec.Get(key) is { } value && !choices.Contains(value, StringComparer.OrdinalIgnoreCase))
            {
                yield return new(key, $"'{value}' is not one of {string.Join(", ", choices)}");
            }
        }
    }

    private string Device => context.Spec.Require("Device");

    public string Describe => Device;

    public Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        // SerialPort reports a missing device vaguely; say which path is missing.
        if (!File.Exists(Device))
        {
            throw new FileNotFoundException($"{Device} not found", Device);
        }

        var spec = context.Spec;
        var port = new SerialPort(Device, spec.GetInt("Baud", 115200), Parities[spec.Get("Parity") ?? "none"], spec.GetInt("DataBits", 8), StopBitChoices[spec.Get("StopBits") ?? "1"])
        {
            Handshake = FlowControls[spec.Get("FlowControl") ?? "none"],
        };
        // The reading descriptor is opened first: the port's own open makes the device exclusive.
        var tty = OperatingSystem.IsLinux() ? TtyStream.Open(Device) : null;
        try
        {
            port.Open();
            return Task.FromResult<Stream>(new SerialPortStream(port, tty ?? port.BaseStream));
        }
        catch
        {
            tty?.Dispose();
            port.Dispose();
            throw;
        }
    }

    public Task SendBreakAsync(Stream stream, CancellationToken cancellationToken) =>
        stream is SerialPortStream serial
            ? serial.SendBreakAsync(cancellationToken)
            : throw new ArgumentException("not a stream of this console", nameof(stream));

    /// <summary>The device's bytes (<see cref="TtyStream"/> on Linux, else the port's own stream), closed with the port.</summary>
    private sealed class SerialPortStream(SerialPort port, Stream inner) : Stream
    {
        // Longer than any character at any baud rate the driver accepts, as terminal programs send it.
        private static readonly TimeSpan BreakDuration = TimeSpan.FromMilliseconds(250);

        private readonly Stream _inner = inner;

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

        public override void Flush() => _inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public async Task SendBreakAsync(CancellationToken cancellationToken)
        {
            port.BreakState = true;
            try
            {
                await Task.Delay(BreakDuration, cancellationToken);
            }
            finally
            {
                port.BreakState = false;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                port.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
