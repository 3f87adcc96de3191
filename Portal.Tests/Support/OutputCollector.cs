using System.Text;
using Portal.Consoles;

namespace Portal.Tests.Support;

/// <summary>Stands in for a browser tab: keeps what it was sent and, like xterm.js, acknowledges it once drawn.</summary>
public sealed class OutputCollector
{
    private readonly StringBuilder _text = new();
    private long _received;
    private int _unacknowledged;
    private ConsoleWatcher? _watcher;

    /// <summary>Set once Watch returns; output may already have arrived, so its acknowledgement waits for it.</summary>
    public ConsoleWatcher Watcher
    {
        get => _watcher!;
        set
        {
            lock (_text)
            {
                _watcher = value;
                value.Acknowledge(Interlocked.Exchange(ref _unacknowledged, 0));
            }
        }
    }

    public long Received => Interlocked.Read(ref _received);

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public Task Deliver(ReadOnlyMemory<byte> data, bool acknowledge)
    {
        lock (_text)
        {
            if (_text.Length < 1024 * 1024)
            {
                _text.Append(Encoding.UTF8.GetString(data.Span));
            }
        }

        Interlocked.Add(ref _received, data.Length);
        if (acknowledge)
        {
            lock (_text)
            {
                if (_watcher is null)
                {
                    _unacknowledged += data.Length;
                }
                else
                {
                    _watcher.Acknowledge(data.Length);
                }
            }
        }

        return Task.CompletedTask;
    }

    public async Task WaitForAsync(string text, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            lock (_text)
            {
                if (_text.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"'{text}' never arrived; the watcher saw: {_text}");
                }
            }

            await Task.Delay(20);
        }
    }

    public async Task WaitForBytesAsync(long count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Received < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {Received} of {count} bytes arrived");
            await Task.Delay(20);
        }
    }
}
