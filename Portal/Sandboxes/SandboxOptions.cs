using System.ComponentModel.DataAnnotations;

namespace Portal.Sandboxes;

/// <summary>The <c>Lab:Containers</c> config section: the container engine and what each sandbox may use.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Lab:Containers";

    /// <summary><c>unix:///var/run/docker.sock</c>, Podman's <c>unix:///run/podman/podman.sock</c>, or <c>tcp://host:2376</c>.</summary>
    [Required]
    [RegularExpression("^(unix|tcp|http|https)://.+", ErrorMessage = "Lab:Containers:Endpoint must be unix://PATH or tcp://HOST:PORT")]
    public string Endpoint { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>
    /// Put on every container as <c>portal.owner</c>; a portal only touches containers with its own owner, so several
    /// portals (or test runs) can share one engine.
    /// </summary>
    [Required]
    public string Owner { get; set; } = "portal";

    /// <summary>A PKCS#12 file with the client certificate for an engine reached over TLS.</summary>
    public string? ClientCertificate { get; set; }

    public string? ClientCertificatePassword { get; set; }

    [Range(0.01, 1024)]
    public double Cpus { get; set; } = 1;

    [Range(6, 1024 * 1024)]
    public int MemoryMegabytes { get; set; } = 512;

    /// <summary>Docker's network mode: bridge, none, host or a network's name.</summary>
    [Required]
    public string NetworkMode { get; set; } = "bridge";

    /// <summary>Where the board's serial device appears inside the sandbox.</summary>
    [Required]
    [RegularExpression("^/dev/.+", ErrorMessage = "Lab:Containers:ContainerDevicePath must be under /dev")]
    public string ContainerDevicePath { get; set; } = "/dev/ttyBOARD";

    /// <summary>How long a stopping sandbox may take before it is killed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often the portal compares its sandboxes with the engine's containers, and retries an engine that was away.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many lines of a sandbox's output are shown and kept after it is gone.</summary>
    [Range(10, 100_000)]
    public int LogLines { get; set; } = 2000;
}
