using System.Globalization;

namespace Portal.Hardware.Simulated;

/// <summary>Power of a <see cref="SimulatedBoard"/>; settings: <c>PoweredAtStart</c> (default true), <c>CycleDelayMs</c> (default 1000).</summary>
public sealed class SimulatedPowerDriver(BoardDriverContext context, SimulatedLab lab) : IPowerDriver, IDriver
{
    private readonly SimulatedBoard _board = lab.Board(context.BoardName, SimulatedSettings.PoweredAtStart(context.Spec));

    public static string Name => "simulated";

    public static IReadOnlyList<string> RequiredSettings => [];

    public static IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec) => SimulatedSettings.Validate(spec);

    public Task PowerOnAsync(CancellationToken cancellationToken)
    {
        _board.PowerOn();
        return Task.CompletedTask;
    }

    public Task PowerOffAsync(CancellationToken cancellationToken)
    {
        _board.PowerOff();
        return Task.CompletedTask;
    }

    public Task CycleAsync(CancellationToken cancellationToken) =>
        _board.CycleAsync(TimeSpan.FromMilliseconds(context.Spec.GetInt("CycleDelayMs", 1000)), cancellationToken);

    public Task<PowerState> GetStateAsync(CancellationToken cancellationToken) => Task.FromResult(_board.State);
}

internal static class SimulatedSettings
{
    public static bool PoweredAtStart(DriverSpec spec) => spec.Get("PoweredAtStart") is not { } text || bool.Parse(text);

    public static IEnumerable<DriverSettingError> Validate(DriverSpec spec)
    {
        if (spec.Get("PoweredAtStart") is { } powered && !bool.TryParse(powered, out _))
        {
            yield return new("PoweredAtStart", $"'{powered}' is not true or false");
        }

        if (spec.Get("CycleDelayMs") is { } delay && (!int.TryParse(delay, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > 60_000))
        {
            yield return new("CycleDelayMs", $"'{delay}' is not a number of milliseconds from 0 to 60000");
        }
    }
}
