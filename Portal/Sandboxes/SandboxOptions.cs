using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Portal.Sandboxes;

/// <summary>The <c>Lab:Containers</c> config section: the container engine and what each sandbox may use.</summary>
public sealed partial class SandboxOptions : IValidatableObject
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

    /// <summary>Also the limit of memory plus swap: a sandbox gets no swap beyond its memory.</summary>
    [Range(6, 1024 * 1024)]
    public int MemoryMegabytes { get; set; } = 512;

    /// <summary>How many processes and threads a sandbox may have at once, so a fork bomb stops there.</summary>
    [Range(16, 65536, ErrorMessage = "Lab:Containers:PidsLimit must be between 16 and 65536")]
    public int PidsLimit { get; set; } = 256;

    /// <summary>Capabilities given back after all are dropped (<c>NET_RAW</c>, say); none by default.</summary>
    public string[] CapAdd { get; set; } = [];

    /// <summary>Who runs in the sandbox, <c>uid:gid</c> or a name from the image; never root.</summary>
    [Required(ErrorMessage = "Lab:Containers:User is required: a non-root user such as 1000:1000")]
    public string User { get; set; } = "1000:1000";

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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var capability in CapAdd)
        {
            if (capability.Equals("ALL", StringComparison.OrdinalIgnoreCase) || capability.Equals("CAP_ALL", StringComparison.OrdinalIgnoreCase))
            {
                yield return new ValidationResult("Lab:Containers:CapAdd may not be ALL; list the capabilities sandboxes need (e.g. NET_RAW)", [nameof(CapAdd)]);
            }
            else if (!CapabilityName().IsMatch(capability))
            {
                yield return new ValidationResult($"Lab:Containers:CapAdd: '{capability}' is not a capability name (e.g. NET_RAW)", [nameof(CapAdd)]);
            }
        }

        var user = UserSpec().Match(User ?? "");
        if (User is { Length: > 0 } && (!user.Success || user.Groups["user"].Value == "root" || user.Groups["user"].Value.All(c => c == '0')))
        {
            yield return new ValidationResult($"Lab:Containers:User '{User}' must be a non-root user: uid:gid (e.g. 1000:1000) or a user name of the image", [nameof(User)]);
        }
    }

    [GeneratedRegex("^(CAP_)?[A-Z][A-Z_]*$")]
    private static partial Regex CapabilityName();

    /// <summary>Docker's <c>--user</c>: a name or uid, optionally <c>:</c> a group name or gid.</summary>
    [GeneratedRegex("^(?<user>[a-z_][a-z0-9_.-]*|[0-9]+)(:([a-z_][a-z0-9_.-]*|[0-9]+))?$")]
    private static partial Regex UserSpec();
}
