using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Portal.Hardware.Consoles;

namespace Portal.Hardware.Qemu;

/// <summary>What a deploy put in place for the next boot of a QEMU board, over the configured files.</summary>
public sealed record QemuBoot(string? Kernel = null, string? Initrd = null, string? Append = null, string? Drive = null);

/// <summary>
/// One board's QEMU: the process (owned by the portal, its pid in <c>qemu.pid</c> under the board's state folder),
/// its QMP socket for power, and its serial chardev, which acts like a serial line: it stays attached to every
/// listener across power cycles and carries nothing while the machine is off.
/// </summary>
public sealed class QemuMachine(string board, string stateDirectory, TimeProvider timeProvider, ILogger logger) : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan QuitGrace = TimeSpan.FromSeconds(3);

    private readonly SemaphoreSlim _operations = new(1, 1);
    private Running? _running;
    private QemuBoot? _deployed;
    private string? _lastLoss;

    public string Board { get; } = board;

    public string StateDirectory { get; } = stateDirectory;

    public string PidFile => Path.Combine(StateDirectory, "qemu.pid");

    private string QmpSocket => Path.Combine(StateDirectory, "qmp.sock");

    private string ConsoleSocket => Path.Combine(StateDirectory, "console.sock");

    /// <summary>Raised when QEMU ended without the portal stopping it (a crash, a kill from outside, a guest power-off).</summary>
    public event Action? PowerLost;

    /// <summary>Why the machine is off when nobody switched it off, in one sentence; cleared by the next start.</summary>
    public string? LastLoss => Volatile.Read(ref _lastLoss);

    /// <summary>Files a deploy put in place: used from the next start on, instead of the configured ones.</summary>
    public QemuBoot? Deployed
    {
        get => Volatile.Read(ref _deployed);
        set => Volatile.Write(ref _deployed, value);
    }

    public bool IsRunning => Volatile.Read(ref _running) is { } running && !running.Process.HasExited;

    public async Task StartAsync(QemuSettings settings, CancellationToken cancellationToken)
    {
        await _operations.WaitAsync(cancellationToken);
        try
        {
            if (!IsRunning)
            {
                await StartLockedAsync(settings, cancellationToken);
            }
        }
        finally
        {
            _operations.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _operations.WaitAsync(cancellationToken);
        try
        {
            await StopLockedAsync(cancellationToken);
        }
        finally
        {
            _operations.Release();
        }
    }

    /// <summary>
    /// A reset button: <c>system_reset</c> when the machine runs the files it would start with now; stop and start
    /// when a deploy changed them (QEMU reads kernel and initrd only at start); start when it is off.
    /// </summary>
    public async Task CycleAsync(QemuSettings settings, CancellationToken cancellationToken)
    {
        await _operations.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _running) is { } running && !running.Process.HasExited && running.Boot == Deployed)
            {
                await running.Qmp.ExecuteAsync("system_reset", cancellationToken);
                return;
            }

            await StopLockedAsync(cancellationToken);
            await StartLockedAsync(settings, cancellationToken);
        }
        finally
        {
            _operations.Release();
        }
    }

    public async Task<PowerState> GetStateAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _running) is not { } running || running.Process.HasExited)
        {
            return PowerState.Off;
        }

        try
        {
            var status = await running.Qmp.ExecuteAsync("query-status", cancellationToken);
            return status?["status"]?.GetValue<string>() == "shutdown" ? PowerState.Off : PowerState.On;
        }
        catch (IOException) when (running.Process.HasExited)
        {
            return PowerState.Off;
        }
    }

    /// <summary>The guest's first serial port: every byte it prints goes to whoever listens at that moment.</summary>
    internal SerialLine Line { get; } = new();

    /// <summary>Types on the serial line; like typing into a board that is off, nothing happens when QEMU is not running.</summary>
    internal async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _running) is { } running)
        {
            await running.SendConsoleAsync(TelnetFilter.Escape(data.Span), cancellationToken);
        }
    }

    /// <summary>A serial break: telnet's BREAK command, which QEMU's chardev passes to the guest's UART.</summary>
    internal async Task SendBreakAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _running) is { } running)
        {
            await running.SendConsoleAsync([TelnetFilter.Iac, TelnetFilter.Break], cancellationToken);
        }
    }

    /// <summary>Kills a QEMU left by an earlier portal process (killed before it could stop it), found by its pid file.</summary>
    public static bool KillLeftover(string pidFile, ILogger logger)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        // The pid may have been reused since: only a process started with this pid file is ours.
        var commandLine = File.Exists($"/proc/{pid}/cmdline") ? File.ReadAllText($"/proc/{pid}/cmdline") : "";
        if (!commandLine.Contains(pidFile, StringComparison.Ordinal))
        {
            File.Delete(pidFile);
            return false;
        }

        using var process = Process.GetProcessById(pid);
        process.Kill();
        process.WaitForExit(TimeSpan.FromSeconds(5));
        File.Delete(pidFile);
        logger.LogWarning("Killed QEMU {Pid} left running by an earlier portal process ({PidFile})", pid, pidFile);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _operations.Dispose();
    }

    private async Task StartLockedAsync(QemuSettings settings, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(StateDirectory);
        KillLeftover(PidFile, logger);
        File.Delete(QmpSocket);
        File.Delete(ConsoleSocket);
        if (ConsoleSocket.Length > 107)
        {
            throw new PowerDriverException($"QEMU state folder {StateDirectory} is too deep for a Unix socket path (at most 107 characters); set Lab:Qemu:StateDirectory to a shorter one.");
        }

        var boot = Deployed;
        if (settings.CheckHost() is { } problem)
        {
            throw new PowerDriverException(problem);
        }

        var drive = boot?.Drive ?? settings.Drive;
        var overlay = drive is null ? null : await CreateOverlayAsync(drive, cancellationToken);
        var start = new ProcessStartInfo(QemuSettings.FindProgram(settings.Binary)!)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments(settings, boot, overlay))
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var stderr = new LastLines();
        process.ErrorDataReceived += (_, e) => stderr.Add(e.Data);
        process.OutputDataReceived += (_, e) => stderr.Add(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        logger.LogInformation("Started {Binary} {Pid} for {Board}", settings.Binary, process.Id, Board);

        try
        {
            await WaitForSocketsAsync(process, stderr, settings.Binary, cancellationToken);
            var qmp = await QmpClient.ConnectAsync(QmpSocket, cancellationToken);
            var console = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await console.ConnectAsync(new UnixDomainSocketEndPoint(ConsoleSocket), cancellationToken);
            var running = new Running(process, qmp, console, boot);
            running.Pump = PumpConsoleAsync(running);
            running.Watch = WatchAsync(running, settings.Binary, stderr);
            Volatile.Write(ref _lastLoss, null);
            Volatile.Write(ref _running, running);

            // Started paused (-S) so the console is attached before the guest prints its first byte.
            await qmp.ExecuteAsync("cont", cancellationToken);
        }
        catch (Exception ex)
        {
            if (Volatile.Read(ref _running) is { Process: var started } && started == process)
            {
                await StopLockedAsync(CancellationToken.None);
            }
            else
            {
                Kill(process);
                process.Dispose();
            }

            if (ex is PowerDriverException or OperationCanceledException)
            {
                throw;
            }

            throw new PowerDriverException($"{settings.Binary} for {Board} did not start: {stderr.Last ?? ex.Message}", ex);
        }
    }

    private async Task StopLockedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _running) is not { } running)
        {
            return;
        }

        running.Stopping = true;
        if (!running.Process.HasExited)
        {
            try
            {
                await running.Qmp.ExecuteAsync("quit", cancellationToken);
            }
            catch (IOException)
            {
                // QEMU may close the socket before answering quit.
            }

            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(QuitGrace);
            try
            {
                await running.Process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Kill(running.Process);
            }
        }

        await running.Watch;
    }

    private async Task WaitForSocketsAsync(Process process, LastLines stderr, string binary, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + StartTimeout;
        while (!(File.Exists(QmpSocket) && File.Exists(ConsoleSocket)))
        {
            if (process.HasExited)
            {
                throw new PowerDriverException($"{binary} for {Board} exited at start (code {process.ExitCode}): {stderr.Last ?? "no message"}");
            }

            if (timeProvider.GetUtcNow() > deadline)
            {
                throw new PowerDriverException($"{binary} for {Board} did not open its sockets within {StartTimeout.TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), timeProvider, cancellationToken);
        }
    }

    private List<string> Arguments(QemuSettings settings, QemuBoot? boot, string? overlay)
    {
        static string Escape(string path) => path.Replace(",", ",,", StringComparison.Ordinal);
        var kernel = boot?.Kernel ?? settings.Kernel;
        List<string> arguments =
        [
            "-name", $"portal-{Board}",
            "-nodefaults", "-no-user-config", "-display", "none", "-S",
            "-pidfile", PidFile,
            "-qmp", $"unix:{Escape(QmpSocket)},server=on,wait=off",
            "-chardev", $"socket,id=console,path={Escape(ConsoleSocket)},server=on,wait=off,telnet=on",
            "-serial", "chardev:console",
            "-accel", settings.Accel,
            "-m", settings.MemoryMegabytes.ToString(CultureInfo.InvariantCulture),
        ];
        if (settings.Machine is { } machine)
        {
            arguments.AddRange(["-machine", machine]);
        }

        if (settings.Cpu is { } cpu)
        {
            arguments.AddRange(["-cpu", cpu]);
        }

        if (kernel is not null)
        {
            arguments.AddRange(["-kernel", kernel]);
            if ((boot?.Kernel is null ? settings.Initrd : boot.Initrd) is { } initrd)
            {
                arguments.AddRange(["-initrd", initrd]);
            }

            arguments.AddRange(["-append", boot?.Append ?? settings.Append ?? $"console={settings.GuestConsole}"]);
        }

        if (overlay is not null)
        {
            arguments.AddRange(["-drive", $"file={Escape(overlay)},if=virtio,format=qcow2"]);
        }

        arguments.AddRange(settings.SshPort is { } port
            ? ["-nic", $"user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:{port}-:22"]
            : ["-nic", "none"]);
        arguments.AddRange(settings.ExtraArgs);
        return arguments;
    }

    // A fresh copy-on-write overlay at every start from off, so the board starts clean and the image is never written.
    private async Task<string> CreateOverlayAsync(string drive, CancellationToken cancellationToken)
    {
        var overlay = Path.Combine(StateDirectory, "drive-overlay.qcow2");
        File.Delete(overlay);
        var format = drive.EndsWith(".qcow2", StringComparison.OrdinalIgnoreCase) ? "qcow2" : "raw";
        var result = await ShellCommand.RunAsync(
            $"qemu-img create -q -f qcow2 -F {format} -b '{drive.Replace("'", "'\\''", StringComparison.Ordinal)}' '{overlay}'",
            new Dictionary<string, string>(), TimeSpan.FromSeconds(30), cancellationToken);
        return result.Succeeded
            ? overlay
            : throw new PowerDriverException($"qemu-img could not make an overlay of {drive}: {result.Output.Trim()}");
    }

    private async Task PumpConsoleAsync(Running running)
    {
        var telnet = new TelnetFilter();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var count = await running.Console.ReceiveAsync(buffer, SocketFlags.None);
                if (count == 0)
                {
                    return;
                }

                var data = telnet.Filter(buffer.AsSpan(0, count));
                if (data.Length == 0)
                {
                    continue;
                }

                Line.Print(data);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // QEMU went away; the exit watcher says why.
        }
    }

    private async Task WatchAsync(Running running, string binary, LastLines stderr)
    {
        await running.Process.WaitForExitAsync();
        var code = running.Process.ExitCode;
        running.Console.Dispose();
        await running.Pump;
        await running.Qmp.DisposeAsync();
        running.Process.Dispose();
        Interlocked.CompareExchange(ref _running, null, running);
        if (running.Stopping)
        {
            logger.LogInformation("Stopped QEMU of {Board}", Board);
            return;
        }

        var reason = code switch
        {
            0 => $"{binary} for {Board} exited: the guest powered off",
            > 128 when stderr.Last is null => $"{binary} for {Board} was killed (signal {code - 128})",
            _ => $"{binary} for {Board} exited with code {code}: {stderr.Last ?? "no message"}",
        };
        Volatile.Write(ref _lastLoss, reason);
        logger.LogWarning("QEMU of {Board} ended outside the portal: {Reason}", Board, reason);
        PowerLost?.Invoke();
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private sealed class Running(Process process, QmpClient qmp, Socket console, QemuBoot? boot)
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public Process Process { get; } = process;

        public QmpClient Qmp { get; } = qmp;

        public Socket Console { get; } = console;

        /// <summary>The deployed files this process was started with.</summary>
        public QemuBoot? Boot { get; } = boot;

        public Task Pump { get; set; } = Task.CompletedTask;

        public Task Watch { get; set; } = Task.CompletedTask;

        public volatile bool Stopping;

        public async Task SendConsoleAsync(byte[] data, CancellationToken cancellationToken)
        {
            await _send.WaitAsync(cancellationToken);
            try
            {
                await Console.SendAsync(data, SocketFlags.None, cancellationToken);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The machine stopped meanwhile: typing into a board that is off.
            }
            finally
            {
                _send.Release();
            }
        }
    }

    /// <summary>The last line QEMU printed, for the one sentence that says why it stopped.</summary>
    private sealed class LastLines
    {
        private string? _last;

        public string? Last => Volatile.Read(ref _last);

        public void Add(string? line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                Volatile.Write(ref _last, line.Trim());
            }
        }
    }
}
