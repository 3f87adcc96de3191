namespace Portal.Hardware;

/// <summary>
/// A passive description of one driver of a board, as written in the lab config:
/// the driver's name plus its flat settings (host, port, device...).
/// </summary>
public sealed record DriverSpec(string Driver, IReadOnlyDictionary<string, string?> Settings)
{
    public string? Get(string key) =>
        Settings.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    public string Require(string key) =>
        Get(key) ?? throw new InvalidOperationException($"{key}: required for driver {Driver}");

    public int GetInt(string key, int fallback) => Get(key) is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

/// <summary>What a driver is given when it is created for one board.</summary>
public sealed record BoardDriverContext(string BoardName, DriverSpec Spec);
