using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Hardware.Snmp;

/// <summary>
/// Power through an SNMP v2c switch or PDU (labgrid's SNMP power backends). Settings: <c>Host</c> and <c>Port</c>
/// (the outlet or switch-port index; required), <c>AgentPort</c> (UDP, default 161), <c>Community</c> (a secret,
/// default <c>private</c>), <c>Model</c> (<c>poe-mib</c> default, <c>apc</c>, or <c>generic</c> with <c>Oid</c>,
/// <c>OnValue</c> and <c>OffValue</c>), <c>TimeoutMs</c> (default 2000), <c>Retries</c> (default 1),
/// <c>CycleDelayMs</c> (default 2000).
/// </summary>
public sealed partial class SnmpPowerDriver : IPowerDriver, IDriver
{
    private const string DefaultModel = "poe-mib";
    private const string Generic = "generic";

    /// <summary>Where a model keeps an outlet's switch (the prefix, then the outlet index) and which integers mean on and off.</summary>
    private sealed record SwitchModel(string OidPrefix, int On, int Off);

    private static readonly Dictionary<string, SwitchModel> Models = new(StringComparer.OrdinalIgnoreCase)
    {
        [DefaultModel] = new("1.3.6.1.2.1.105.1.1.1.3.1", 1, 2), // POWER-ETHERNET-MIB pethPsePortAdminEnable
        ["apc"] = new("1.3.6.1.4.1.318.1.1.4.4.2.1.3", 1, 2), // PowerNet-MIB sPDUOutletCtl
    };

    private readonly BoardDriverContext _context;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SnmpPowerDriver> _logger;
    private readonly SnmpClient _client;
    private readonly string _oid;
    private readonly int _on;
    private readonly int _off;

    public SnmpPowerDriver(BoardDriverContext context, TimeProvider timeProvider, ILogger<SnmpPowerDriver> logger)
    {
        _context = context;
        _timeProvider = timeProvider;
        _logger = logger;
        var spec = context.Spec;
        _client = new SnmpClient(
            spec.Require("Host"),
            spec.GetInt("AgentPort", 161),
            spec.Get("Community") ?? "private",
            TimeSpan.FromMilliseconds(spec.GetInt("TimeoutMs", 2000)),
            spec.GetInt("Retries", 1),
            logger);

        if (Models.TryGetValue(spec.Get("Model") ?? DefaultModel, out var model))
        {
            (_oid, _on, _off) = ($"{model.OidPrefix}.{spec.GetInt("Port", 0)}", model.On, model.Off);
        }
        else
        {
            (_oid, _on, _off) = (spec.Require("Oid").TrimStart('.'), spec.GetInt("OnValue", 0), spec.GetInt("OffValue", 0));
        }
    }

    public static string Name => "snmp";

    public static IReadOnlyList<string> RequiredSettings => ["Host", "Port"];

    public static IReadOnlyList<string> SecretSettings => ["Community"];

    public static IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec)
    {
        foreach (var (key, min, max) in new[] { ("Port", 1, int.MaxValue), ("TimeoutMs", 1, 60_000), ("Retries", 0, 10), ("CycleDelayMs", 1, 600_000) })
        {
            if (spec.Get(key) is { } text && !IsWholeNumber(text, min, max))
            {
                yield return new(key, max == int.MaxValue ? $"'{text}' is not a whole number of {min} or more" : $"'{text}' is not a whole number from {min} to {max}");
            }
        }

        if (spec.Get("AgentPort") is { } agentPort && !IsWholeNumber(agentPort, 1, 65_535))
        {
            yield return new("AgentPort", $"{agentPort} is not a UDP port (1-65535)");
        }

        var modelName = spec.Get("Model") ?? DefaultModel;
        if (!modelName.Equals(Generic, StringComparison.OrdinalIgnoreCase))
        {
            if (!Models.ContainsKey(modelName))
            {
                yield return new("Model", $"unknown model '{modelName}'; known: {string.Join(", ", Models.Keys.Append(Generic).Order(StringComparer.Ordinal))}");
            }

            yield break;
        }

        if (spec.Get("Oid") is not { } oid)
        {
            yield return new("Oid", $"required for model {Generic}");
        }
        else if (!NumericOid().IsMatch(oid))
        {
            yield return new("Oid", $"'{oid}' is not a numeric OID such as 1.3.6.1.4.1.318.1.1.4.4.2.1.3.1");
        }

        foreach (var key in new[] { "OnValue", "OffValue" })
        {
            if (spec.Get(key) is not { } text)
            {
                yield return new(key, $"required for model {Generic}");
            }
            else if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            {
                yield return new(key, $"'{text}' is not a whole number");
            }
        }
    }

    public Task PowerOnAsync(CancellationToken cancellationToken) => SetAsync(_on, cancellationToken);

    public Task PowerOffAsync(CancellationToken cancellationToken) => SetAsync(_off, cancellationToken);

    public async Task CycleAsync(CancellationToken cancellationToken)
    {
        await SetAsync(_off, cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(_context.Spec.GetInt("CycleDelayMs", 2000)), _timeProvider, cancellationToken);
        await SetAsync(_on, cancellationToken);
    }

    public async Task<PowerState> GetStateAsync(CancellationToken cancellationToken)
    {
        var varbinds = await _client.SendAsync(SnmpPduType.GetRequest, [new(_oid, new SnmpNull())], cancellationToken);
        var value = varbinds.Count == 1 ? varbinds[0].Value : null;
        if (value is SnmpInteger integer && (integer.Value == _on || integer.Value == _off))
        {
            return integer.Value == _on ? PowerState.On : PowerState.Off;
        }

        // Unknown is a state, not a failure; the log says why, e.g. noSuchInstance for a port the switch lacks.
        _logger.LogWarning("Power switch {Endpoint} answered {Value} for {Oid} of {Board}, neither on nor off", _client.Endpoint, value, _oid, _context.BoardName);
        return PowerState.Unknown;
    }

    private async Task SetAsync(int value, CancellationToken cancellationToken)
    {
        _logger.LogInformation("Setting {Oid} on power switch {Endpoint} to {Value} for {Board}", _oid, _client.Endpoint, value, _context.BoardName);
        await _client.SendAsync(SnmpPduType.SetRequest, [new(_oid, new SnmpInteger(value))], cancellationToken);
    }

    private static bool IsWholeNumber(string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max;

    // Dotted decimal arcs, as snmpget -On prints them (a leading dot is allowed); the first two arcs as BER requires.
    [GeneratedRegex(@"^\.?([01]\.([0-9]|[1-3][0-9])|2\.(0|[1-9][0-9]*))(\.(0|[1-9][0-9]*))*$")]
    private static partial Regex NumericOid();
}
