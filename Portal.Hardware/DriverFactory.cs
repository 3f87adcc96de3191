using Microsoft.Extensions.DependencyInjection;

namespace Portal.Hardware;

public enum DriverKind
{
    Power,
    Console,
    Deploy,
}

/// <summary>One driver class known to the factory, with the static facts it declares through <see cref="IDriver"/>.</summary>
public sealed record DriverRegistration(
    DriverKind Kind,
    string Name,
    Type Implementation,
    IReadOnlyList<string> RequiredSettings,
    IReadOnlyList<string> SecretSettings,
    Func<DriverSpec, IEnumerable<DriverSettingError>> ValidateSettings,
    Func<DriverSpec, IServiceProvider, string?> CheckHost)
{
    public static DriverRegistration For<TDriver>(DriverKind kind) where TDriver : IDriver =>
        new(kind, TDriver.Name, typeof(TDriver), TDriver.RequiredSettings, TDriver.SecretSettings, TDriver.ValidateSettings, TDriver.CheckHost);
}

/// <summary>Validates driver config entries and creates drivers from them, by the config's <c>Driver</c> name.</summary>
public sealed class DriverFactory(IServiceProvider services, IEnumerable<DriverRegistration> registrations)
{
    private readonly Dictionary<(DriverKind, string), DriverRegistration> _byName =
        registrations.ToDictionary(r => (r.Kind, r.Name.ToLowerInvariant()));

    public IReadOnlyList<string> KnownDrivers(DriverKind kind) =>
        _byName.Values.Where(r => r.Kind == kind).Select(r => r.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every problem with a driver entry, as (setting key, reason); empty when the entry is usable.</summary>
    public IReadOnlyList<DriverSettingError> Validate(DriverKind kind, DriverSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Driver))
        {
            return [new("Driver", $"required; one of {string.Join(", ", KnownDrivers(kind))}")];
        }

        if (!_byName.TryGetValue((kind, spec.Driver.ToLowerInvariant()), out var registration))
        {
            return [new("Driver", $"unknown {kind.ToString().ToLowerInvariant()} driver '{spec.Driver}'; known: {string.Join(", ", KnownDrivers(kind))}")];
        }

        var missing = registration.RequiredSettings
            .Where(key => spec.Get(key) is null)
            .Select(key => new DriverSettingError(key, $"required for driver {registration.Name}"));
        return [.. missing, .. registration.ValidateSettings(spec)];
    }

    /// <summary>Why a valid driver entry cannot work on this host now (see <see cref="IDriver.CheckHost"/>), or null.</summary>
    public string? Unavailable(DriverKind kind, DriverSpec spec) =>
        _byName.TryGetValue((kind, spec.Driver.ToLowerInvariant()), out var registration) ? registration.CheckHost(spec, services) : null;

    /// <summary>The settings that may be shown to users: secrets are left out.</summary>
    public IReadOnlyDictionary<string, string?> PublicSettings(DriverKind kind, DriverSpec spec)
    {
        var secrets = _byName.TryGetValue((kind, spec.Driver.ToLowerInvariant()), out var registration)
            ? registration.SecretSettings
            : [];
        return spec.Settings
            .Where(pair => !pair.Key.Equals("Driver", StringComparison.OrdinalIgnoreCase)
                && !secrets.Contains(pair.Key, StringComparer.OrdinalIgnoreCase))
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
    }

    public IPowerDriver CreatePower(string boardName, DriverSpec spec) => Create<IPowerDriver>(DriverKind.Power, boardName, spec);

    public IConsole CreateConsole(string boardName, DriverSpec spec) => Create<IConsole>(DriverKind.Console, boardName, spec);

    public IDeployDriver CreateDeploy(string boardName, DriverSpec spec) => Create<IDeployDriver>(DriverKind.Deploy, boardName, spec);

    private T Create<T>(DriverKind kind, string boardName, DriverSpec spec)
    {
        var errors = Validate(kind, spec);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"Board {boardName}: {string.Join("; ", errors.Select(e => $"{e.Key}: {e.Reason}"))}");
        }

        var registration = _byName[(kind, spec.Driver.ToLowerInvariant())];
        return (T)ActivatorUtilities.CreateInstance(services, registration.Implementation, new BoardDriverContext(boardName, spec));
    }
}
