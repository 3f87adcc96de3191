using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Portal.Hardware.Consoles;

/// <summary>
/// A serial device's bytes through a file descriptor of its own (Linux), read by a thread that sleeps in poll(2) until
/// the device has bytes, hangs up or the stream is closed. System.IO.Ports' I/O loop on Linux wakes every millisecond
/// and ends every pending read with "The port is closed" when poll reports POLLERR or POLLNVAL, which lost the console
/// in a flood. The line's settings and breaks stay with the <c>SerialPort</c>, opened after this descriptor (it makes
/// the device exclusive).
/// </summary>
internal sealed partial class TtyStream : Stream
{
    private const int ReadWrite = 0x2, NoControllingTerminal = 0x100, NonBlocking = 0x800, CloseOnExec = 0x80000;
    private const short PollIn = 0x1, PollOut = 0x4, PollError = 0x8, PollHangUp = 0x10, PollInvalid = 0x20;
    private const int NoSuchFile = 2, Interrupted = 4, TryAgain = 11, AccessDenied = 13;

    // How long input may wait for room in the device's output buffer (a board that stopped reading).
    private const int WriteTimeoutMilliseconds = 5000;

    private readonly string _path;
    private readonly SafeFileHandle _device;
    private readonly SafeFileHandle _wakeRead;
    private readonly SafeFileHandle _wakeWrite;
    private readonly Pipe _received = new(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false));
    private readonly Thread _reader;
    private volatile bool _closed;

    private TtyStream(string path, SafeFileHandle device, SafeFileHandle wakeRead, SafeFileHandle wakeWrite)
    {
        (_path, _device, _wakeRead, _wakeWrite) = (path, device, wakeRead, wakeWrite);
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"tty {path}" };
        _reader.Start();
    }

    public static TtyStream Open(string path)
    {
        var fd = open(path, ReadWrite | NoControllingTerminal | NonBlocking | CloseOnExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"{path}: {Marshal.GetPInvokeErrorMessage(errno)}";
            throw errno switch
            {
                NoSuchFile => new FileNotFoundException(message, path),
                AccessDenied => new UnauthorizedAccessException(message),
                _ => new IOException(message),
            };
        }

        var device = new SafeFileHandle(fd, ownsHandle: true);
        Span<int> wake = stackalloc int[2];
        if (pipe2(ref wake[0], NonBlocking | CloseOnExec) < 0)
        {
            device.Dispose();
            throw new IOException($"{path}: no pipe to wake its reader: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        return new TtyStream(path, device, new SafeFileHandle(wake[0], ownsHandle: true), new SafeFileHandle(wake[1], ownsHandle: true));
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // The reader's failure (the device hung up, an I/O error) comes out of ReadAsync as its exception.
        var result = await _received.Reader.ReadAsync(cancellationToken);
        var received = result.Buffer;
        var count = (int)Math.Min(buffer.Length, received.Length);
        received.Slice(0, count).CopyTo(buffer.Span);
        _received.Reader.AdvanceTo(received.GetPosition(count));
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Typed input is a few bytes: the device's buffer takes it at once.
        try
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            return ValueTask.FromException(ex);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        var fd = (int)_device.DangerousGetHandle();
        while (!buffer.IsEmpty)
        {
            var written = write(fd, in MemoryMarshal.GetReference(buffer), (nuint)buffer.Length);
            if (written > 0)
            {
                buffer = buffer[(int)written..];
                continue;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == TryAgain)
            {
                Span<PollFd> waiting = [new(fd, PollOut)];
                if (poll(ref waiting[0], 1, WriteTimeoutMilliseconds) == 0)
                {
                    throw new IOException($"{_path} took no input for {WriteTimeoutMilliseconds / 1000} s");
                }
            }
            else if (errno != Interrupted)
            {
                throw new IOException($"{_path}: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
    }

    // Each write went to the device before it returned: nothing to flush.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_closed)
        {
            _closed = true;
            // Completing the reading side first frees a reader thread waiting for room in the pipe.
            _received.Reader.Complete();
            ReadOnlySpan<byte> wake = [1];
            _ = write((int)_wakeWrite.DangerousGetHandle(), in MemoryMarshal.GetReference(wake), 1);
            _reader.Join();
            _device.Dispose();
            _wakeRead.Dispose();
            _wakeWrite.Dispose();
        }

        base.Dispose(disposing);
    }

    private void ReadLoop()
    {
        var (device, wake) = ((int)_device.DangerousGetHandle(), (int)_wakeRead.DangerousGetHandle());
        Exception? failure = null;
        Span<PollFd> watched = stackalloc PollFd[2];
        while (!_closed && failure is null)
        {
            watched[0] = new(device, PollIn);
            watched[1] = new(wake, PollIn);
            if (poll(ref watched[0], 2, -1) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                failure = errno == Interrupted ? null : Failure(errno);
                continue;
            }

            if (_closed || watched[1].ReturnedEvents != 0)
            {
                break;
            }

            if ((watched[0].ReturnedEvents & PollInvalid) != 0)
            {
                failure = new IOException($"{_path} was closed");
            }
            else if ((watched[0].ReturnedEvents & (PollIn | PollError | PollHangUp)) != 0)
            {
                // On an error or hang-up, the read says which (a pty whose other end closed: EIO).
                failure = ReadIntoPipe(device);
            }
        }

        _received.Writer.Complete(failure);
    }

    private Exception? ReadIntoPipe(int device)
    {
        var space = _received.Writer.GetSpan(16 * 1024);
        var count = read(device, ref MemoryMarshal.GetReference(space), (nuint)space.Length);
        if (count > 0)
        {
            _received.Writer.Advance((int)count);
            // Waits while the console has 256 KiB it has not taken: the device's own buffer then holds the board.
            var flushed = _received.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
            return flushed.IsCompleted ? new IOException($"{_path} is no longer read") : null;
        }

        if (count == 0)
        {
            return new EndOfStreamException($"{_path} hung up");
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is TryAgain or Interrupted ? null : Failure(errno);
    }

    private IOException Failure(int errno) => new($"{_path}: {Marshal.GetPInvokeErrorMessage(errno)}");

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct PollFd(int fd, short events)
    {
        public readonly int Fd = fd;
        public readonly short Events = events;
        public readonly short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int pipe2(ref int fds, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int poll(ref PollFd fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint read(int fd, ref byte buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint write(int fd, in byte buffer, nuint count);
}
