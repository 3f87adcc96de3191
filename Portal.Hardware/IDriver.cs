namespace Portal.Hardware;

/// <summary>
/// Static facts every driver class declares about itself, so the factory can validate a config
/// entry before anything is created and the UI can show settings without leaking secrets.
/// </summary>
public interface IDriver
{
    /// <summary>The name used in the lab config's <c>Driver</c> key.</summary>
    static abstract string Name { get; }

    /// <summary>Settings that must be present for this driver.</summary>
    static abstract IReadOnlyList<string> RequiredSettings { get; }

    /// <summary>Settings that are secrets: never shown, never logged.</summary>
    static virtual IReadOnlyList<string> SecretSettings => [];

    /// <summary>Checks the values of the settings (formats, ranges); yields (key, reason) pairs.</summary>
    static virtual IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec) => [];

    /// <summary>
    /// Why the driver cannot work on this host now (a missing program or file), in one sentence, or null. Unlike a
    /// setting error this does not stop the portal: the board is shown offline with the sentence.
    /// </summary>
    static virtual string? CheckHost(DriverSpec spec, IServiceProvider services) => null;
}

public sealed record DriverSettingError(string Key, string Reason);
