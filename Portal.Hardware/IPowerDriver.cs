namespace Portal.Hardware;

public enum PowerState
{
    Unknown,
    Off,
    On,
}

/// <summary>Switches a board's power (labgrid's PowerProtocol).</summary>
public interface IPowerDriver
{
    Task PowerOnAsync(CancellationToken cancellationToken);

    Task PowerOffAsync(CancellationToken cancellationToken);

    Task CycleAsync(CancellationToken cancellationToken);

    Task<PowerState> GetStateAsync(CancellationToken cancellationToken);
}

/// <summary>A power action failed; the message is one sentence fit to show on the page.</summary>
public class PowerDriverException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The power switch did not answer at all (as opposed to refusing): the board is offline until it answers again.</summary>
public sealed class PowerSwitchUnreachableException(string message, Exception? inner = null) : PowerDriverException(message, inner);
