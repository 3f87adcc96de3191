using System.Collections.Concurrent;
using System.Diagnostics;
using Portal.Consoles;

namespace Portal.Benchmarks;

/// <summary>
/// Listens to the portal's console activities (<see cref="ConsoleTracing"/>) in this process, where the benchmark
/// hosts the portal, and splits one key's echo into its legs, from the tab's keydown to the frame that shows the echo.
/// The browser's times and the server's are both the machine's wall clock.
/// </summary>
internal sealed class ConsoleTrace : IDisposable
{
    public static readonly string[] Legs =
    [
        "tab to server (keydown to console input)",
        "write to the device",
        "device echo (bash, pty, driver read)",
        "watcher (read to interop call)",
        "server to tab (interop call to write)",
        "xterm.js (write to frame)",
    ];

    private readonly ConcurrentQueue<(string Name, DateTime At, DateTime? End, bool Lossless)> _events = new();
    private readonly ActivityListener _listener;

    public ConsoleTrace()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ConsoleTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity =>
            {
                if (activity.OperationName != "console.input")
                {
                    _events.Enqueue((activity.OperationName, activity.StartTimeUtc, null, activity.GetTagItem("lossless") is true));
                }
            },
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "console.input")
                {
                    _events.Enqueue((activity.OperationName, activity.StartTimeUtc, activity.StartTimeUtc + activity.Duration, false));
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Clear() => _events.Clear();

    /// <summary>The legs of one key in milliseconds, in the order of <see cref="Legs"/>; null when a step was not seen.</summary>
    public double[]? Split(DateTime keydown, DateTime wrote, DateTime rendered)
    {
        var events = _events.ToArray();
        if (events.FirstOrDefault(e => e.Name == "console.input") is not { End: { } written } input)
        {
            return null;
        }

        if (events.FirstOrDefault(e => e.Name == "console.output" && e.At >= written) is not { Name: not null } output
            || events.FirstOrDefault(e => e.Name == "console.deliver" && !e.Lossless && e.At >= output.At) is not { Name: not null } deliver)
        {
            return null;
        }

        return
        [
            (input.At - keydown).TotalMilliseconds,
            (written - input.At).TotalMilliseconds,
            (output.At - written).TotalMilliseconds,
            (deliver.At - output.At).TotalMilliseconds,
            (wrote - deliver.At).TotalMilliseconds,
            (rendered - wrote).TotalMilliseconds,
        ];
    }

    public void Dispose() => _listener.Dispose();
}
