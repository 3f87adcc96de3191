using System.Globalization;

namespace Portal.Hardware.Command;

/// <summary>
/// Power through site commands (labgrid's ExternalPowerDriver). Settings: <c>On</c>, <c>Off</c> (required),
/// <c>Cycle</c> (else off, <c>CycleDelayMs</c>, on), <c>State</c> (prints on or off), <c>TimeoutSeconds</c> (default 30).
/// Each runs through /bin/sh with <c>PORTAL_BOARD</c> set.
/// </summary>
public sealed class CommandPowerDriver(BoardDriverContext context, TimeProvider timeProvider, ILogger<CommandPowerDriver> logger) : IPowerDriver, IDriver
{
    public static string Name => "command";

    public static IReadOnlyList<string> RequiredSettings => ["On", "Off"];

    public static IEnumerable<DriverSettingError> ValidateSettings(DriverSpec spec)
    {
        foreach (var (key, max) in new[] { ("TimeoutSeconds", 3600), ("CycleDelayMs", 600_000) })
        {
            if (spec.Get(key) is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > max))
            {
                yield return new(key, $"'{text}' is not a whole number from 1 to {max}");
            }
        }
    }

    private TimeSpan Timeout => TimeSpan.FromSeconds(context.Spec.GetInt("TimeoutSeconds", 30));

    public Task PowerOnAsync(CancellationToken cancellationToken) => RunAsync("On", cancellationToken);

    public Task PowerOffAsync(CancellationToken cancellationToken) => RunAsync("Off", cancellationToken);

    public async Task CycleAsync(CancellationToken cancellationToken)
    {
        if (context.Spec.Get("Cycle") is not null)
        {
            await RunAsync("Cycle", cancellationToken);
            return;
        }

        await RunAsync("Off", cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(context.Spec.GetInt("CycleDelayMs", 2000)), timeProvider, cancellationToken);
        await RunAsync("On", cancellationToken);
    }

    public async Task<PowerState> GetStateAsync(CancellationToken cancellationToken)
    {
        if (context.Spec.Get("State") is null)
        {
            return PowerState.Unknown;
        }

        var output = (await RunAsync("State", cancellationToken)).Trim();
        return output.ToLowerInvariant() switch
        {
            "on" or "1" => PowerState.On,
            "off" or "0" => PowerState.Off,
            _ => PowerState.Unknown,
        };
    }

    private async Task<string> RunAsync(string setting, CancellationToken cancellationToken)
    {
        var commandLine = context.Spec.Require(setting);
        var environment = new Dictionary<string, string> { ["PORTAL_BOARD"] = context.BoardName };
        var result = await ShellCommand.RunAsync(commandLine, environment, Timeout, cancellationToken);
        if (!result.Succeeded)
        {
            logger.LogWarning("Power command {Setting} for {Board} failed with exit code {ExitCode}", setting, context.BoardName, result.ExitCode);
            throw new PowerDriverException($"power command '{setting}' for {context.BoardName} failed (exit code {result.ExitCode}): {result.Output.Trim()}");
        }

        return result.Output;
    }
}
