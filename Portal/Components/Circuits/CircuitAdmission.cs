using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Portal.Components.Circuits;

/// <summary>
/// One page's (circuit's) place under <see cref="CircuitLimits"/>: taken when its connection comes up, before its
/// components render, and given back when the connection drops or the circuit closes. A page beyond a limit stays
/// refused (<see cref="CircuitLimitGate"/> shows why instead of the page, so it watches no console and subscribes to
/// nothing) until the person reloads it. A page that reconnects takes its place again, or is refused then.
/// </summary>
public sealed partial class CircuitAdmission(CircuitLimits limits, AuthenticationStateProvider authentication, ILogger<CircuitAdmission> logger) : CircuitHandler
{
    private string? _userId;
    private bool _holding;

    /// <summary>Why this page is not served; null while it is (and before its circuit connected, when prerendering).</summary>
    public CircuitRefusal? Refusal { get; private set; }

    /// <summary>Raised when a page that was served is refused on reconnecting.</summary>
    public event Func<Task>? Refused;

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (Refusal is not null || _holding)
        {
            return;
        }

        _userId ??= (await authentication.GetAuthenticationStateAsync()).User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (limits.TryTake(_userId) is not { } refusal)
        {
            _holding = true;
            return;
        }

        Refusal = refusal;
        LogRefused(circuit.Id, _userId, refusal.Key, refusal.Limit);
        if (Refused is { } refused)
        {
            await refused();
        }
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        GiveBack();
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        GiveBack();
        return Task.CompletedTask;
    }

    private void GiveBack()
    {
        if (_holding)
        {
            _holding = false;
            limits.Release(_userId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused page {CircuitId} of user {UserId}: {LimitKey} ({Limit}) reached")]
    private partial void LogRefused(string circuitId, string? userId, string limitKey, int limit);
}
