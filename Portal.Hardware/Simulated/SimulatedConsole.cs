using System.Threading.Channels;

namespace Portal.Hardware.Simulated;

/// <summary>The serial console of a <see cref="SimulatedBoard"/>.</summary>
public sealed class SimulatedConsole(BoardDriverContext context, SimulatedLab lab) : IBreakableConsole, IDriver
{
    private readonly SimulatedBoard _board = lab.Board(context.BoardName, SimulatedSettings.PoweredAtStart(context.Spec));

    public static string Name => "simulated";

    public static IReadOnlyList<string> RequiredSettings => [];

    public static IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec) => SimulatedSettings.Validate(spec);

    public string Describe => $"simulated:{_board.Name}";

    public Task<Stream> OpenAsync(CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(new SimulatedConsoleStream(_board));

    public Task SendBreakAsync(Stream stream, CancellationToken cancellationToken)
    {
        _board.Break();
        return Task.CompletedTask;
    }

    private sealed class SimulatedConsoleStream : Stream
    {
        private readonly SimulatedBoard _board;
        private readonly ChannelReader<byte[]> _output;
        private readonly Action _detach;
        private ReadOnlyMemory<byte> _pending;

        public SimulatedConsoleStream(SimulatedBoard board)
        {
            _board = board;
            _output = board.Attach(out _detach);
        }

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_pending.IsEmpty)
            {
                if (!await _output.WaitToReadAsync(cancellationToken) || !_output.TryRead(out var chunk))
                {
                    return 0;
                }

                _pending = chunk;
            }

            var count = Math.Min(buffer.Length, _pending.Length);
            _pending[..count].CopyTo(buffer);
            _pending = _pending[count..];
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _board.Input(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => _board.Input(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _detach();
            }

            base.Dispose(disposing);
        }
    }
}
