namespace Portal.Hardware.Containers;

/// <summary>
/// A container engine on a lab host (labgrid's resource/driver split: the engine is the resource, this is the protocol).
/// Sandboxes are plain containers the portal labels, so the engine itself is the record of what exists.
/// </summary>
public interface IContainerProvider
{
    /// <summary>Where the engine is, for messages: <c>unix:///var/run/docker.sock</c> or <c>tcp://host:2376</c>.</summary>
    string Endpoint { get; }

    /// <summary>Throws <see cref="ContainerEngineUnavailableException"/> when the engine does not answer.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<ContainerImage>> ListImagesAsync(CancellationToken cancellationToken);

    /// <summary>Pulls an image by reference, reporting the engine's progress stream as it goes.</summary>
    Task PullImageAsync(string reference, IProgress<ImagePullProgress> progress, CancellationToken cancellationToken);

    /// <summary>Creates and starts a container; returns once the engine says it runs.</summary>
    Task<ContainerInfo> RunAsync(SandboxContainerSpec spec, CancellationToken cancellationToken);

    /// <summary>The container, or null when the engine has no container of that id or name.</summary>
    Task<ContainerInfo?> InspectAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every container, running or not, that carries the label.</summary>
    Task<IReadOnlyList<ContainerInfo>> ListLabelledAsync(string label, CancellationToken cancellationToken);

    /// <summary>Stops (waiting <paramref name="grace"/> before killing) and removes the container; a missing one is not an error.</summary>
    Task RemoveAsync(string id, TimeSpan grace, CancellationToken cancellationToken);

    /// <summary>An interactive command with a TTY in a running container, as <c>docker exec -it</c>.</summary>
    Task<IShellSession> ExecAsync(string id, IReadOnlyList<string> command, int columns, int rows, CancellationToken cancellationToken);

    /// <summary>The container's stdout and stderr so far, as <c>docker logs</c> prints them.</summary>
    Task<string> GetLogsAsync(string id, int tailLines, CancellationToken cancellationToken);

    /// <summary>Unpacks a tar stream into a directory of the container, as <c>docker cp - CONTAINER:DIR</c> does.</summary>
    Task CopyToAsync(string id, string directory, Stream tar, CancellationToken cancellationToken);

    /// <summary>A tar stream of a file or directory of the container, as <c>docker cp CONTAINER:PATH -</c> gives.</summary>
    Task<Stream> CopyFromAsync(string id, string path, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="onEvent"/> for every event of a container with the label, until cancelled or the engine goes away.</summary>
    Task WatchAsync(string label, Func<ContainerEvent, Task> onEvent, CancellationToken cancellationToken);
}

public sealed record ContainerImage(string Id, IReadOnlyList<string> Tags, long SizeBytes, DateTimeOffset Created);

/// <summary>One line of an image pull: a layer's status and, while downloading, its progress.</summary>
public sealed record ImagePullProgress(string? Layer, string Status, long? Current, long? Total);

/// <summary>
/// What a sandbox container is made of. <paramref name="DevicePath"/> is the board's serial device on the engine's host,
/// passed in at <paramref name="ContainerDevicePath"/>; <paramref name="CpuLimit"/> is in cores. <paramref name="User"/>
/// runs the container and its execs (<c>uid:gid</c> or a name of the image); <paramref name="PidsLimit"/> bounds its
/// processes; of the capabilities, only <paramref name="CapAdd"/> are kept.
/// </summary>
public sealed record SandboxContainerSpec(
    string Name,
    string Image,
    IReadOnlyDictionary<string, string> Labels,
    string? DevicePath,
    string ContainerDevicePath,
    double CpuLimit,
    long MemoryLimitBytes,
    string NetworkMode,
    string User,
    long PidsLimit,
    IReadOnlyList<string> CapAdd,
    IReadOnlyList<SandboxFile>? ReadOnlyFiles = null);

/// <summary>A file of the engine's host bind-mounted read-only into the container (an artifact at /artifacts/NAME).</summary>
public sealed record SandboxFile(string HostPath, string ContainerPath);

/// <summary>How a device reached the container: character devices as devices, pseudo-terminals as bind mounts.</summary>
public enum DevicePassthroughMode
{
    None,
    Device,
    BindMount,
}

public sealed record ContainerInfo(
    string Id,
    string Name,
    string State,
    bool Running,
    long? ExitCode,
    string? Error,
    IReadOnlyDictionary<string, string> Labels,
    DevicePassthroughMode Passthrough = DevicePassthroughMode.None,
    string? PassedDevice = null);

/// <summary>An engine event about a labelled container: <c>start</c>, <c>die</c>, <c>destroy</c>...</summary>
public sealed record ContainerEvent(string Action, string ContainerId, IReadOnlyDictionary<string, string> Attributes);

/// <summary>The engine refused a request; the message is the engine's own.</summary>
public class ContainerEngineException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The engine did not answer at all: socket missing, daemon stopped, host unreachable.</summary>
public sealed class ContainerEngineUnavailableException(string endpoint, Exception? inner = null)
    : ContainerEngineException($"Docker engine at {endpoint} is not reachable", inner);
