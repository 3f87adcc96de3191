using System.Text;
using System.Text.RegularExpressions;
using Portal.Consoles;

namespace Portal.Deploys;

/// <summary>Watches a board's console from now on (the scrollback left out) for a regular expression, as a person at the terminal would.</summary>
internal sealed class ConsoleWatch : IAsyncDisposable
{
    private readonly StringBuilder _text = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private ConsoleWatcher? _watcher;
    private int _unacknowledged;
    private int _from;
    private int _start;

    public static async Task<ConsoleWatch?> StartAsync(ConsoleBroker consoles, string board, CancellationToken cancellationToken)
    {
        var watch = new ConsoleWatch();
        var watcher = consoles.Watch(board, watch.DeliverAsync);
        if (watcher is null)
        {
            return null;
        }

        lock (watch._text)
        {
            watch._watcher = watcher;
            watcher.Acknowledge(watch._unacknowledged);
        }

        // The scrollback is offered first; what came before this watch does not count.
        for (var i = 0; i < 200 && watcher.InFlight > 0; i++)
        {
            await Task.Delay(10, cancellationToken);
        }

        lock (watch._text)
        {
            watch._from = watch._start = watch._text.Length;
        }

        return watch;
    }

    /// <summary>Everything the console printed since the watch started.</summary>
    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString(_start, _text.Length - _start);
            }
        }
    }

    /// <summary>Types a line on the console, as a person pressing Enter would.</summary>
    public Task SendLineAsync(string line, CancellationToken cancellationToken) =>
        _watcher!.WriteAsync(Encoding.UTF8.GetBytes(line + "\r"), cancellationToken);

    /// <summary>
    /// The first match after the start of the watch (or after the previous match), or null when none came within the
    /// timeout. The next wait looks only at what came after this match.
    /// </summary>
    public async Task<string?> WaitForAsync(Regex expect, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        while (true)
        {
            lock (_text)
            {
                var match = expect.Match(_text.ToString(_from, _text.Length - _from));
                if (match.Success)
                {
                    _from += match.Index + match.Length;
                    return match.Value;
                }
            }

            try
            {
                await _arrived.WaitAsync(bound.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync();
        }

        _arrived.Dispose();
    }

    private Task DeliverAsync(ReadOnlyMemory<byte> data)
    {
        lock (_text)
        {
            _text.Append(Encoding.UTF8.GetString(data.Span));

            // Output may arrive before Watch has returned the watcher; it is acknowledged once there is one.
            if (_watcher is null)
            {
                _unacknowledged += data.Length;
            }
            else
            {
                _watcher.Acknowledge(data.Length);
            }
        }

        _arrived.Release();
        return Task.CompletedTask;
    }
}
