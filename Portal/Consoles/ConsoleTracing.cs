using System.Diagnostics;

namespace Portal.Consoles;

/// <summary>
/// Where a console's bytes spend their time, as activities (OpenTelemetry's spans) of the <c>Portal.Consoles</c>
/// source: <c>console.input</c> (typed bytes from the session to the device's write), <c>console.output</c> (a read
/// from the device handed to the watchers) and <c>console.deliver</c> (a chunk from a watcher's pump to the tab's
/// answer to the interop call; tagged <c>lossless</c> for the recorder). Nothing is recorded while nobody listens; the
/// console benchmark listens for its latency breakdown.
/// </summary>
public static class ConsoleTracing
{
    public const string SourceName = "Portal.Consoles";

    internal static readonly ActivitySource Source = new(SourceName);

    // Given at the start, so a listener's ActivityStarted sees them.
    private static readonly KeyValuePair<string, object?>[] Lossless = [new("lossless", true)];
    private static readonly KeyValuePair<string, object?>[] Lossy = [new("lossless", false)];

    internal static Activity? StartDelivery(bool lossless) =>
        Source.StartActivity("console.deliver", ActivityKind.Internal, default(ActivityContext), lossless ? Lossless : Lossy);
}
