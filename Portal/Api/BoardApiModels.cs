using Portal.Lab;

namespace Portal.Api;

/// <summary>
/// A board as the API shows it: its state and holder, its power state (<c>on</c>, <c>off</c>, <c>unknown</c>, or null
/// without power control, with <see cref="PowerError"/> when the switch did not answer), its console's kind (null
/// without one), the ports its tunnels reach, and its health (<c>good</c>, <c>bad</c>, <c>maintenance</c>,
/// <c>unknown</c>) with <see cref="HealthNote"/> saying why it is bad or in maintenance.
/// </summary>
public sealed record ApiBoardDetail(
    string Name,
    string Class,
    string State,
    IReadOnlyDictionary<string, string> Tags,
    string? Holder,
    DateTime? ReservedUntil,
    int? ReservationId,
    string? Power,
    string? PowerError,
    string? Console,
    IReadOnlyList<int> Tunnels,
    string Health,
    string? HealthNote)
{
    public static ApiBoardDetail From(BoardSummary board, string? power, string? powerError, string? console, IReadOnlyList<int> tunnels) =>
        new(board.Name, board.ClassName, board.State.ToString().ToLowerInvariant(), board.Tags, board.Holder?.Email, board.Holder?.ExpiresAt,
            board.Holder?.ReservationId, power, powerError, console, tunnels, board.Health.ToString().ToLowerInvariant(), board.HealthNote);
}

/// <summary>POST /boards/{name}/power: <c>on</c>, <c>off</c> or <c>cycle</c>.</summary>
public sealed record PowerRequest(string? Action);

/// <summary>A board's power state: <c>on</c>, <c>off</c> or <c>unknown</c>.</summary>
public sealed record ApiPower(string Board, string State);

/// <summary>POST /boards/{name}/sandbox: an image assigned to the board's class, or null for the class's default.</summary>
public sealed record LaunchSandboxRequest(string? Image);

public sealed record ApiSandbox(
    int Id, string Board, int ReservationId, string Container, string Image, string Status, string? Passthrough, string? Reason,
    DateTime CreatedAt, DateTime? ReadyAt, DateTime? EndedAt)
{
    public static ApiSandbox From(Portal.Sandboxes.SandboxView s) =>
        new(s.Id, s.Board, s.ReservationId, s.ContainerName, s.Image, s.Status.ToString().ToUpperInvariant(), s.Passthrough, s.Reason, s.CreatedAt, s.ReadyAt, s.EndedAt);
}
