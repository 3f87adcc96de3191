namespace Portal.Health;

/// <summary>
/// A board's health check, under a class's or a board's <c>HealthCheck</c> (a board's replaces its class's): steps run
/// in order on a board the check has taken like a reservation, and when it runs by itself.
/// </summary>
public sealed class HealthCheckOptions
{
    public List<HealthCheckStepOptions> Steps { get; set; } = [];

    /// <summary>Runs when this long has passed since the last check (counted from the portal's start for a board never checked), once the board is free.</summary>
    public TimeSpan? Every { get; set; }

    /// <summary>Runs after this many reservations of the board have ended.</summary>
    public int? AfterReservations { get; set; }

    /// <summary>Runs when a teardown script failed, instead of leaving the board in attention.</summary>
    public bool AfterFailedTeardown { get; set; }

    /// <summary>Runs when an admin ends the board's maintenance.</summary>
    public bool AfterMaintenance { get; set; } = true;

    /// <summary>After this many failed checks in a row, no check runs by itself: the board stays bad until an admin clears it.</summary>
    public int MaxFailuresInRow { get; set; } = 3;

    /// <summary>How long the check's reservation says it holds the board: every step's timeout, and a minute to spare (each step is bounded by its own).</summary>
    public TimeSpan Duration() => TimeSpan.FromMinutes(1) + Steps.Aggregate(TimeSpan.Zero, (sum, step) => sum + step.Timeout);
}

/// <summary>
/// One step, exactly one of: <c>Power</c> (<c>on</c>, <c>off</c>, <c>cycle</c>); <c>Send</c> (a line typed on the
/// console); <c>Expect</c> alone (a regular expression the console must print within <c>Timeout</c>, counting from the
/// previous match); <c>Ssh</c> (a command run over the board's <c>Ssh</c>, which must exit 0, and whose output must
/// match <c>Expect</c> when given); <c>Deploy</c> (known-good files on the portal's host, by the slot of the board's
/// deploy driver they go to, with <c>Append</c> as the kernel command line where the driver takes one), booted by the
/// <c>Power</c> and <c>Expect</c> steps after it.
/// </summary>
public sealed class HealthCheckStepOptions
{
    public string? Power { get; set; }

    public Dictionary<string, string>? Deploy { get; set; }

    public string? Append { get; set; }

    public string? Send { get; set; }

    public string? Expect { get; set; }

    public string? Ssh { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public override string ToString() =>
        Power is not null ? $"power {Power}"
        : Deploy is not null ? $"deploy {string.Join(", ", Deploy.Select(file => $"{file.Key}={Path.GetFileName(file.Value)}"))}"
        : Send is not null ? $"send '{Send}'"
        : Ssh is not null ? $"ssh '{Ssh}'{(Expect is null ? "" : $", expect /{Expect}/")}"
        : $"expect /{Expect}/ within {Timeout.TotalSeconds:0.#} s";
}
