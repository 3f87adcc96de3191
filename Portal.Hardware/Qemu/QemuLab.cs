using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Portal.Hardware.Qemu;

/// <summary>The <c>Lab:Qemu</c> settings shared by every QEMU board.</summary>
public sealed class QemuLabOptions
{
    public const string Section = "Lab:Qemu";

    /// <summary>Where each board's QEMU keeps its pid file, sockets and disk overlay, one folder per board.</summary>
    public string StateDirectory { get; set; } = "data/qemu";

    /// <summary>The folder relative paths (state folder, kernels, disks) are taken from.</summary>
    public string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();
}

/// <summary>
/// The QEMU boards of this process, by name, so that a board's power driver, console and deploy driver act on the
/// same machine; every QEMU is stopped when the portal stops.
/// </summary>
public sealed class QemuLab(IOptions<QemuLabOptions> options, TimeProvider timeProvider, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, QemuMachine> _machines = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger = loggers.CreateLogger<QemuLab>();

    public string StateDirectory => Resolve(options.Value.StateDirectory);

    public QemuMachine Machine(string board) =>
        _machines.GetOrAdd(board, name => new QemuMachine(name, Path.Combine(StateDirectory, name), timeProvider, loggers.CreateLogger<QemuMachine>()));

    public QemuSettings Settings(DriverSpec spec) => QemuSettings.From(spec, Resolve);

    public string Resolve(string path) => Path.GetFullPath(path, options.Value.BaseDirectory);

    /// <summary>Kills every QEMU an earlier portal process left running (it was killed before it could stop them).</summary>
    public int KillLeftovers()
    {
        if (!Directory.Exists(StateDirectory))
        {
            return 0;
        }

        return Directory.EnumerateDirectories(StateDirectory)
            .Count(folder => QemuMachine.KillLeftover(Path.Combine(folder, "qemu.pid"), _logger));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var machine in _machines.Values)
        {
            await machine.DisposeAsync();
        }
    }
}

/// <summary>At start, before any board is used: no QEMU of an earlier portal process stays behind.</summary>
internal sealed class QemuLeftoverSweep(QemuLab lab) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lab.KillLeftovers();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
