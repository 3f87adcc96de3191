namespace Portal.Lab;

/// <summary>The lab as written in the <c>Lab</c> config section: classes, boards and their drivers.</summary>
public sealed class LabOptions
{
    public const string Section = "Lab";

    public Dictionary<string, BoardClassOptions> Classes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public List<BoardOptions> Boards { get; set; } = [];

    /// <summary>Applied after binding, before validation: see <see cref="BoardOptions.UseQemuSshPort"/>.</summary>
    public void UseQemuSshPorts() => Boards.ForEach(board => board.UseQemuSshPort());

    /// <summary>Run as <c>SCRIPT reserve|release BOARD</c> on every grant and release.</summary>
    public string? SetupScript { get; set; }

    public TimeSpan SetupScriptTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Access rules created on the first start; after that, admins edit rules on the Access rules page.</summary>
    public List<DefaultRuleOptions> DefaultRules { get; set; } = [];

    /// <summary>The board's health check: its own, else its class's, else null (no check).</summary>
    public Health.HealthCheckOptions? HealthCheckOf(BoardOptions board) =>
        board.HealthCheck ?? (board.Class is not null ? Classes.GetValueOrDefault(board.Class)?.HealthCheck : null);

    /// <summary>The configured board of that name (names are compared as the validator does, ignoring case), or null.</summary>
    public BoardOptions? FindBoard(string name) =>
        Boards.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A rule in config: <c>Subject</c> is <c>*</c>, <c>user:EMAIL</c> or <c>group:NAME</c>; <c>Target</c> is <c>*</c>, <c>board:NAME</c> or <c>class:NAME</c>.</summary>
public sealed class DefaultRuleOptions
{
    public string Subject { get; set; } = "*";

    public string? Capability { get; set; }

    public string Target { get; set; } = "*";

    public string Effect { get; set; } = "Permit";
}

public sealed class BoardClassOptions
{
    public string? Arch { get; set; }

    public string? Description { get; set; }

    public Health.HealthCheckOptions? HealthCheck { get; set; }
}

public sealed class BoardOptions
{
    public string? Name { get; set; }

    public string? Class { get; set; }

    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>Driver</c> plus the driver's own settings; empty when the board has no power control.</summary>
    public Dictionary<string, string?> Power { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>Driver</c> plus the driver's own settings; empty when the board has no console.</summary>
    public Dictionary<string, string?> Console { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>Driver</c> plus the driver's own settings; empty when nothing can be deployed to the board.</summary>
    public Dictionary<string, string?> Deploy { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public NetworkOptions? Network { get; set; }

    public SshOptions? Ssh { get; set; }

    /// <summary>This board's own health check, replacing its class's.</summary>
    public Health.HealthCheckOptions? HealthCheck { get; set; }

    /// <summary>
    /// TCP ports on the board's <c>Ssh:Host</c> that its holder may reach through the portal's tunnels; the
    /// <c>Ssh:Port</c> alone when unset. No other host or port is ever reached, so the portal is no open proxy.
    /// </summary>
    public List<int>? Tunnels { get; set; }

    /// <summary>
    /// A QEMU board's <c>Power:SshPort</c> forwards that port on the portal's host to the guest's ssh: it becomes the
    /// board's <c>Ssh</c> endpoint (its <c>User</c> and <c>Password</c> or <c>KeyFile</c> still come from <c>Ssh</c>).
    /// </summary>
    public void UseQemuSshPort()
    {
        if (string.Equals(Power.GetValueOrDefault("Driver"), "qemu", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(Power.GetValueOrDefault("SshPort"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && Ssh?.Host is null)
        {
            Ssh ??= new SshOptions();
            Ssh.Host = "127.0.0.1";
            Ssh.Port = port;
        }
    }

    /// <summary>The ports the board offers for tunnels; none without an <c>Ssh:Host</c>.</summary>
    public IReadOnlyList<int> TunnelPorts() =>
        Ssh?.Host is null ? [] : Tunnels is { Count: > 0 } ports ? ports : [Ssh.Port];
}

public sealed class NetworkOptions
{
    public string? Interface { get; set; }
}

/// <summary>How the portal logs in to a board for its SSH terminal tabs: by <c>KeyFile</c> or <c>Password</c>, exactly one.</summary>
public sealed class SshOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 22;

    public string? User { get; set; }

    /// <summary>A private key on the portal host. Secret: never shown or logged.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Secret: never shown or logged.</summary>
    public string? Password { get; set; }

    /// <summary>Pinned host key (<c>SHA256:base64</c>, as <c>ssh-keygen -lf</c> prints it); when set, it decides instead of trust on first use.</summary>
    public string? HostKeyFingerprint { get; set; }
}
