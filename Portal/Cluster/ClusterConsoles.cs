using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Portal.Consoles;
using Portal.Hardware;

namespace Portal.Cluster;

/// <summary>
/// A board's console opened once among the portal instances sharing the database. The instance holding the board's
/// console lock reads the device and notifies what it prints; the others' sessions read those notifications and send
/// their watchers' input and breaks to it the same way. Every instance keeps a copy of each console's scrollback from
/// the notifications, so a console opened anew here (after its owner went, say) starts with what the board printed.
/// When the owner goes, PostgreSQL drops its lock and an instance whose watchers still wait takes the console over.
/// </summary>
public sealed class ClusterConsoles(
    ClusterNotifications notifications,
    ClusterLocks locks,
    ClusterInstance instance,
    IOptions<ConsoleOptions> options,
    ILogger<ClusterConsoles> logger) : IHostedService
{
    // Console bytes per notification: base64 makes 4/3 of it, well under the payload limit.
    private const int ChunkBytes = 4096;

    /// <summary>How much of a board's output may be on its way to the other instances before more is skipped.</summary>
    public const long MaxRelayBacklog = 1024 * 1024;

    private static readonly byte[] MovedLine = "\r\n[console moved]\r\n"u8.ToArray();

    // How often a session served by another instance checks that the owner is still there (by trying its lock).
    internal static readonly TimeSpan OwnerCheckInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ScrollbackRing> _mirrors = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<RemoteConsoleStream>> _remotes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, OwnedConsoleStream> _owned = new(StringComparer.OrdinalIgnoreCase);
    // Bytes of each board's output this instance sent and has not heard back yet, and what it skipped meanwhile.
    private readonly Dictionary<string, long> _relayBacklog = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, long> _relaySkipped = new(StringComparer.OrdinalIgnoreCase);
    // The instance whose output of each board was notified last: the board's owner as far as this instance knows.
    private readonly Dictionary<string, string> _lastOwner = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The board's console as this instance sees it: its own device when it holds the board, else the owner's notifications.</summary>
    public IConsole Wrap(string board, IConsole console) =>
        console is IBreakableConsole breakable ? new BreakableClusteredConsole(board, breakable, this) : new ClusteredConsole(board, console, this);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        notifications.Subscribe<ConsoleMessage>(ClusterNotifications.ConsolesChannel, Receive);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal Task<ClusterLock?> TryTakeAsync(string board, CancellationToken cancellationToken) =>
        locks.TryTakeAsync($"console:{board}", cancellationToken);

    /// <summary>This instance reads the board's device: what it reads goes to the others, and their input comes to it.</summary>
    internal OwnedConsoleStream Own(string board, IConsole console, Stream device, ClusterLock held, bool withScrollback)
    {
        lock (_gate)
        {
            byte[] scrollback = withScrollback ? MirrorOf(board).Snapshot() : [];
            if (_lastOwner.TryGetValue(board, out var last) && last != instance.Id)
            {
                // Every instance's watchers are told: those here in the scrollback a new session starts with (one that
                // followed the last owner has said so already), the others through the notification.
                scrollback = withScrollback ? [.. scrollback, .. MovedLine] : scrollback;
                SendOutput(board, MovedLine);
            }

            _lastOwner[board] = instance.Id;
            var owned = new OwnedConsoleStream(board, console, device, held, this, scrollback);
            _owned[board] = owned;
            logger.LogInformation("Console of {Board} ({Console}) opened on this instance, which serves it to the others", board, console.Describe);
            return owned;
        }
    }

    internal void Disown(OwnedConsoleStream owned)
    {
        lock (_gate)
        {
            if (_owned.GetValueOrDefault(owned.Board) == owned)
            {
                _owned.Remove(owned.Board);
            }
        }
    }

    /// <summary>The board's console served by another instance; its scrollback first when <paramref name="withScrollback"/>.</summary>
    internal RemoteConsoleStream Follow(string board, ClusteredConsole console, bool withScrollback)
    {
        lock (_gate)
        {
            var remote = new RemoteConsoleStream(board, console, this);
            if (withScrollback && MirrorOf(board).Snapshot() is { Length: > 0 } scrollback)
            {
                remote.Offer(scrollback);
            }

            if (!_remotes.TryGetValue(board, out var followers))
            {
                _remotes[board] = followers = [];
            }

            followers.Add(remote);
            logger.LogInformation("Console of {Board} is served by another instance", board);
            return remote;
        }
    }

    internal void Unfollow(RemoteConsoleStream remote)
    {
        lock (_gate)
        {
            if (_remotes.TryGetValue(remote.Board, out var followers) && followers.Remove(remote) && followers.Count == 0)
            {
                _remotes.Remove(remote.Board);
            }
        }
    }

    /// <summary>
    /// Relays what this instance's device printed. A flood faster than the database relays it is not queued without
    /// bound: beyond <see cref="MaxRelayBacklog"/> bytes on their way, output is skipped, and the next relayed output
    /// says so to the other instances' watchers (as a slow watcher here skips to the newest output). This instance's
    /// own watchers and recording get every byte regardless.
    /// </summary>
    internal void SendOutput(string board, ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            var backlog = _relayBacklog.GetValueOrDefault(board);
            if (backlog > MaxRelayBacklog)
            {
                _relaySkipped[board] = _relaySkipped.GetValueOrDefault(board) + data.Length;
                return;
            }

            if (_relaySkipped.Remove(board, out var skipped))
            {
                var note = Encoding.UTF8.GetBytes($"\r\n[console: {skipped} bytes not relayed to this instance during a flood]\r\n");
                _relayBacklog[board] = backlog += note.Length;
                Send(ConsoleMessageKind.Output, board, note);
            }

            _relayBacklog[board] = backlog + data.Length;
        }

        Send(ConsoleMessageKind.Output, board, data);
    }

    internal void SendInput(string board, ReadOnlySpan<byte> data) => Send(ConsoleMessageKind.Input, board, data);

    internal void SendBreak(string board) => Send(ConsoleMessageKind.Break, board, []);

    private void Send(ConsoleMessageKind kind, string board, ReadOnlySpan<byte> data)
    {
        do
        {
            var chunk = data[..Math.Min(ChunkBytes, data.Length)];
            notifications.Send(ClusterNotifications.ConsolesChannel, JsonSerializer.Serialize(new ConsoleMessage(kind, instance.Id, board, chunk.ToArray())));
            data = data[chunk.Length..];
        }
        while (data.Length > 0);
    }

    private void Receive(ConsoleMessage message)
    {
        lock (_gate)
        {
            switch (message.Kind)
            {
                case ConsoleMessageKind.Output:
                    if (message.Instance == instance.Id)
                    {
                        _relayBacklog[message.Board] = Math.Max(0, _relayBacklog.GetValueOrDefault(message.Board) - message.Data.Length);
                    }

                    MirrorOf(message.Board).Append(message.Data);
                    _lastOwner[message.Board] = message.Instance;
                    if (message.Instance != instance.Id && _remotes.TryGetValue(message.Board, out var followers))
                    {
                        foreach (var remote in followers)
                        {
                            remote.Offer(message.Data);
                        }
                    }

                    break;
                case ConsoleMessageKind.Input:
                    _owned.GetValueOrDefault(message.Board)?.Input(message.Data);
                    break;
                case ConsoleMessageKind.Break:
                    _owned.GetValueOrDefault(message.Board)?.Input(null);
                    break;
            }
        }
    }

    private ScrollbackRing MirrorOf(string board)
    {
        if (!_mirrors.TryGetValue(board, out var mirror))
        {
            _mirrors[board] = mirror = new ScrollbackRing(options.Value.ScrollbackBytes);
        }

        return mirror;
    }

    private enum ConsoleMessageKind
    {
        Output,
        Input,
        Break,
    }

    private sealed record ConsoleMessage(ConsoleMessageKind Kind, string Instance, string Board, byte[] Data);
}
