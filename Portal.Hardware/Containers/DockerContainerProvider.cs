using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;
using Docker.DotNet.X509;
using Microsoft.Extensions.Logging;

namespace Portal.Hardware.Containers;

/// <summary>
/// Where the engine is: <c>unix:///var/run/docker.sock</c> (Podman: <c>unix:///run/podman/podman.sock</c>) or
/// <c>tcp://host:2376</c>, with a PKCS#12 client certificate for TLS when the engine is on another host.
/// </summary>
public sealed record DockerEngineSettings(string Endpoint, string? ClientCertificate = null, string? ClientCertificatePassword = null)
{
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>The Docker Engine API through Docker.DotNet.Enhanced (the maintained fork of Docker.DotNet); Podman's Docker-compatible socket works the same way.</summary>
public sealed class DockerContainerProvider : IContainerProvider, IDisposable
{
    private readonly DockerClient _client;
    private readonly ILogger<DockerContainerProvider> _logger;
    private readonly bool _local;

    public DockerContainerProvider(DockerEngineSettings settings, ILogger<DockerContainerProvider> logger)
    {
        Endpoint = settings.Endpoint;
        _logger = logger;
        var uri = new Uri(settings.Endpoint);
        _local = uri.Scheme == "unix" || uri.IsLoopback;
        // An explicit endpoint, so neither DOCKER_HOST nor the CLI's context on this host decides which engine is used.
        var builder = new DockerClientBuilder().WithEndpoint(uri).WithTimeout(settings.RequestTimeout);
        if (settings.ClientCertificate is { } certificate)
        {
            builder = builder.WithAuthProvider(new CertificateCredentials(X509CertificateLoader.LoadPkcs12FromFile(certificate, settings.ClientCertificatePassword)));
        }

        _client = builder.Build();
    }

    public string Endpoint { get; }

    public Task PingAsync(CancellationToken cancellationToken) =>
        Call(() => _client.System.PingAsync(cancellationToken), cancellationToken);

    public Task<IReadOnlyList<ContainerImage>> ListImagesAsync(CancellationToken cancellationToken) =>
        Call<IReadOnlyList<ContainerImage>>(async () =>
        {
            var images = await _client.Images.ListImagesAsync(new ImagesListParameters(), cancellationToken);
            return images
                .Select(i => new ContainerImage(i.ID, i.RepoTags?.Where(t => t != "<none>:<none>").ToList() ?? [], i.Size, new DateTimeOffset(i.Created, TimeSpan.Zero)))
                .OrderBy(i => i.Tags.FirstOrDefault() ?? "~", StringComparer.Ordinal)
                .ToList();
        }, cancellationToken);

    public Task PullImageAsync(string reference, IProgress<ImagePullProgress> progress, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            var failure = (string?)null;
            var lines = new InlineProgress<JSONMessage>(message =>
            {
                // A failed pull can still end with HTTP 200: the error arrives as a line of the stream.
                if (message.Error is { } error)
                {
                    failure = error.Message;
                }

                progress.Report(new ImagePullProgress(message.ID, message.Status ?? "", message.Progress?.Current, message.Progress?.Total));
            });
            var (image, tag) = SplitReference(reference);
            await _client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = image, Tag = tag }, null, lines, cancellationToken);
            if (failure is not null)
            {
                throw new ContainerEngineException(failure);
            }
        }, cancellationToken);

    public Task<ContainerInfo> RunAsync(SandboxContainerSpec spec, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            var (mode, hostPath) = PlanDevice(spec.DevicePath);
            var host = new HostConfig
            {
                NanoCPUs = (long)(spec.CpuLimit * 1_000_000_000),
                Memory = spec.MemoryLimitBytes,
                // Memory plus swap equal to memory: no swap on top, so a sandbox cannot push the lab host into swapping.
                MemorySwap = spec.MemoryLimitBytes,
                PidsLimit = spec.PidsLimit,
                CapDrop = ["ALL"],
                CapAdd = [.. spec.CapAdd],
                SecurityOpt = ["no-new-privileges"],
                NetworkMode = spec.NetworkMode,
                Privileged = false,
            };
            // The sandbox's user is not root: it reaches the device through the device's group (dialout for a USB serial adapter).
            var deviceGroup = hostPath is not null && _local ? DeviceNode.GroupOf(hostPath) : null;
            if (deviceGroup is > 0)
            {
                host.GroupAdd = [deviceGroup.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            }

            switch (mode)
            {
                case DevicePassthroughMode.Device when hostPath is not null:
                    host.Devices = [new DeviceMapping { PathOnHost = hostPath, PathInContainer = spec.ContainerDevicePath, CgroupPermissions = "rwm" }];
                    break;
                case DevicePassthroughMode.BindMount:
                    host.Binds = [$"{hostPath}:{spec.ContainerDevicePath}"];
                    break;
            }

            // Host paths mean something only to an engine on this host; a remote engine gets no files.
            if (_local && spec.ReadOnlyFiles is { Count: > 0 } files)
            {
                host.Binds = [.. host.Binds ?? [], .. files.Select(f => $"{f.HostPath}:{f.ContainerPath}:ro")];
            }

            var created = await _client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = spec.Name,
                Image = spec.Image,
                Labels = spec.Labels.ToDictionary(),
                User = spec.User,
                // As `docker run -dit`: the image's shell waits on its terminal instead of exiting at once.
                Tty = true,
                OpenStdin = true,
                HostConfig = host,
            }, cancellationToken);
            try
            {
                await _client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken);
                var started = await InspectAsync(created.ID, cancellationToken)
                    ?? throw new ContainerEngineException("the container was removed as it started");
                if (!started.Running)
                {
                    throw new ContainerEngineException($"the container stopped at once (exit code {started.ExitCode}){(started.Error is { Length: > 0 } e ? $": {e}" : "")}");
                }

                _logger.LogInformation("Started container {Container} ({Id}) from {Image} as user {User}, device {Device} as {Mode} (group {DeviceGroup})",
                    spec.Name, created.ID[..12], spec.Image, spec.User, hostPath, mode, host.GroupAdd?.FirstOrDefault() ?? "not added");
                return started with { Passthrough = mode, PassedDevice = hostPath };
            }
            catch
            {
                await RemoveQuietlyAsync(created.ID);
                throw;
            }
        }, cancellationToken);

    public Task<ContainerInfo?> InspectAsync(string id, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            try
            {
                var c = await _client.Containers.InspectContainerAsync(id, cancellationToken);
                return new ContainerInfo(c.ID, c.Name.TrimStart('/'), c.State?.Status ?? "unknown", c.State?.Running ?? false, c.State?.ExitCode, c.State?.Error,
                    c.Config?.Labels?.ToDictionary() ?? []);
            }
            catch (DockerContainerNotFoundException)
            {
                return (ContainerInfo?)null;
            }
        }, cancellationToken);

    public Task<IReadOnlyList<ContainerInfo>> ListLabelledAsync(string label, CancellationToken cancellationToken) =>
        Call<IReadOnlyList<ContainerInfo>>(async () =>
        {
            var containers = await _client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [label] = true } },
            }, cancellationToken);
            return containers
                .Select(c => new ContainerInfo(c.ID, c.Names.FirstOrDefault()?.TrimStart('/') ?? c.ID, c.State, c.State == "running", null, null, c.Labels?.ToDictionary() ?? []))
                .ToList();
        }, cancellationToken);

    public Task RemoveAsync(string id, TimeSpan grace, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            try
            {
                // No grace means kill: the client leaves a zero timeout out, and the engine would then wait its default 10 s.
                if (grace > TimeSpan.Zero)
                {
                    await _client.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(grace.TotalSeconds) }, cancellationToken);
                }

                await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, cancellationToken);
            }
            catch (DockerContainerNotFoundException)
            {
                // Already gone: what was asked for is true.
            }
        }, cancellationToken);

    public Task<IShellSession> ExecAsync(string id, IReadOnlyList<string> command, int columns, int rows, CancellationToken cancellationToken) =>
        Call<IShellSession>(async () =>
        {
            var exec = await _client.Exec.CreateContainerExecAsync(id, new ContainerExecCreateParameters
            {
                AttachStdin = true,
                AttachStdout = true,
                AttachStderr = true,
                TTY = true,
                Cmd = command.ToList(),
                Env = ["TERM=xterm-256color"],
            }, cancellationToken);
            var stream = await _client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters { TTY = true }, cancellationToken);
            var session = new DockerExecSession(this, exec.ID, stream);
            try
            {
                await session.ResizeAsync(columns, rows, cancellationToken);
            }
            catch (ContainerEngineException ex)
            {
                // A command that already ended has no pty left to size; its output is still there to read.
                _logger.LogDebug("Sizing exec {Exec} failed: {Reason}", exec.ID, ex.Message);
            }

            return session;
        }, cancellationToken);

    public Task<string> GetLogsAsync(string id, int tailLines, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            using var stream = await _client.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Tail = tailLines.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, cancellationToken);
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(cancellationToken);
            return stdout + stderr;
        }, cancellationToken);

    public Task CopyToAsync(string id, string directory, Stream tar, CancellationToken cancellationToken) =>
        Call(() => _client.Containers.ExtractArchiveToContainerAsync(id, new CopyToContainerParameters { Path = directory }, tar, cancellationToken), cancellationToken);

    public Task<Stream> CopyFromAsync(string id, string path, CancellationToken cancellationToken) =>
        Call(async () => (await _client.Containers.GetArchiveFromContainerAsync(id, new ContainerPathStatParameters { Path = path }, statOnly: false, cancellationToken)).Stream
            ?? throw new ContainerEngineException($"the engine sent no archive of {path}"), cancellationToken);

    /// <summary>The exec's exit code; the engine may still show it running for a moment after its output ended.</summary>
    internal async Task<int?> ExecExitCodeAsync(string execId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var exec = await Call(() => _client.Exec.InspectContainerExecAsync(execId, cancellationToken), cancellationToken);
            if (!exec.Running)
            {
                return (int?)exec.ExitCode;
            }

            await Task.Delay(50, cancellationToken);
        }

        return null;
    }

    public Task WatchAsync(string label, Func<ContainerEvent, Task> onEvent, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            // Events are handled in order, one at a time, on this loop rather than on the engine's reader.
            var queue = Channel.CreateUnbounded<ContainerEvent>(new UnboundedChannelOptions { SingleReader = true });
            var messages = new InlineProgress<Message>(m =>
                queue.Writer.TryWrite(new ContainerEvent(m.Action, m.Actor?.ID ?? "", m.Actor?.Attributes?.ToDictionary() ?? [])));
            var handling = Task.Run(async () =>
            {
                await foreach (var e in queue.Reader.ReadAllAsync(CancellationToken.None))
                {
                    await onEvent(e);
                }
            }, CancellationToken.None);
            try
            {
                await _client.System.MonitorEventsAsync(new ContainerEventsParameters
                {
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["type"] = new Dictionary<string, bool> { ["container"] = true },
                        ["label"] = new Dictionary<string, bool> { [label] = true },
                    },
                }, messages, cancellationToken);
            }
            finally
            {
                queue.Writer.TryComplete();
                await handling;
            }
        }, cancellationToken);

    public void Dispose() => _client.Dispose();

    internal Task ResizeExecAsync(string execId, int columns, int rows, CancellationToken cancellationToken) =>
        Call(() => _client.Exec.ResizeExecTtyAsync(execId, new ContainerResizeParameters { Width = checked((long)columns), Height = checked((long)rows) }, cancellationToken), cancellationToken);

    /// <summary>
    /// A pseudo-terminal slave (devpts, majors 136–143) passed with <c>--device</c> fails inside the container with an
    /// I/O error, while a bind mount of the same path works; a real serial device such as /dev/ttyUSB0 needs <c>--device</c>.
    /// Links (udev's /dev/serial/by-id, socat's link=) are followed when the engine is on this host.
    /// </summary>
    internal (DevicePassthroughMode Mode, string? HostPath) PlanDevice(string? devicePath)
    {
        if (devicePath is null)
        {
            return (DevicePassthroughMode.None, null);
        }

        if (!_local || !File.Exists(devicePath))
        {
            // Only the engine's host knows the path; if it is missing there, the engine says so.
            return (DevicePassthroughMode.Device, devicePath);
        }

        var resolved = File.ResolveLinkTarget(devicePath, returnFinalTarget: true)?.FullName ?? devicePath;
        return resolved.StartsWith("/dev/pts/", StringComparison.Ordinal)
            ? (DevicePassthroughMode.BindMount, resolved)
            : (DevicePassthroughMode.Device, resolved);
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
        {
            _logger.LogWarning(ex, "Could not remove the failed container {Id}", id);
        }
    }

    private Task Call(Func<Task> call, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            await call();
            return true;
        }, cancellationToken);

    /// <summary>Turns the client library's failures into the two messages a person can act on: the engine's own words, or "not reachable".</summary>
    private async Task<T> Call<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (DockerApiException ex)
        {
            throw new ContainerEngineException(EngineMessage(ex), ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or IOException or TimeoutException
            || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ContainerEngineUnavailableException(Endpoint, ex);
        }
    }

    private static string EngineMessage(DockerApiException ex)
    {
        try
        {
            using var body = JsonDocument.Parse(ex.ResponseBody ?? "");
            if (body.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (JsonException)
        {
        }

        return ex.StatusCode == HttpStatusCode.NotFound ? "not found" : $"{(int)ex.StatusCode} {ex.ResponseBody}".Trim();
    }

    private static (string Image, string? Tag) SplitReference(string reference)
    {
        // The tag is after the last colon, unless that colon belongs to a registry's port (registry:5000/image).
        var slash = reference.LastIndexOf('/');
        var colon = reference.LastIndexOf(':');
        return colon > slash && !reference.Contains('@', StringComparison.Ordinal)
            ? (reference[..colon], reference[(colon + 1)..])
            : (reference, null);
    }

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool and may reorder).</summary>
    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
