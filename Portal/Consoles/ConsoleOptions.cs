using System.ComponentModel.DataAnnotations;

namespace Portal.Consoles;

/// <summary>The <c>Consoles</c> config section.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Consoles";

    /// <summary>How much of a console's recent output is replayed to a browser that attaches or reloads.</summary>
    [Range(4 * 1024, 64 * 1024 * 1024)]
    public int ScrollbackBytes { get; set; } = 256 * 1024;

    /// <summary>Bytes a browser may have unacknowledged before it stops receiving and later resyncs from scrollback.</summary>
    [Range(4 * 1024, 16 * 1024 * 1024)]
    public int HighWatermark { get; set; } = 128 * 1024;

    /// <summary>Below this many unacknowledged bytes a lagging browser is resynced.</summary>
    [Range(0, 16 * 1024 * 1024)]
    public int LowWatermark { get; set; } = 16 * 1024;

    /// <summary>How long a console stays open after its last watcher left, so a page reload misses nothing.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan IdleClose { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Where each reservation's console traffic is kept; relative to the app's folder.</summary>
    [Required]
    public string LogDirectory { get; set; } = "data/console-logs";

    /// <summary>The most of one reservation's console traffic that is kept; a flooding board stops adding after this.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxLogBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long an SSH terminal waits for the board to answer and log in.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan SshConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between attempts to reopen a console that went away.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);
}
