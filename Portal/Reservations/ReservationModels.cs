using Portal.Data;

namespace Portal.Reservations;

public sealed record ReservationView(
    int Id,
    string Board,
    string BoardClass,
    string UserId,
    string UserEmail,
    ReservationState State,
    DateTime GrantedAt,
    DateTime ExpiresAt,
    DateTime? EndedAt,
    string? EndedBy,
    string? SetupOutput,
    string? TeardownOutput,
    bool HealthCheck = false);

public sealed record QueueEntryView(
    int Id,
    string BoardClass,
    IReadOnlyDictionary<string, string> TagFilter,
    string UserId,
    string UserEmail,
    int Position,
    DateTime CreatedAt,
    QueueEntryState State,
    int? ReservationId);

public enum ReservationErrorKind
{
    NotFound,
    Conflict,
    Forbidden,
    Invalid,
}

public sealed record ReservationError(ReservationErrorKind Kind, string Detail);

/// <summary>What a reserve, extend or release call came to: a reservation, a place in the queue, or an error.</summary>
public sealed record ReservationOutcome(ReservationView? Reservation, QueueEntryView? Queued = null, ReservationError? Error = null)
{
    public static ReservationOutcome Fail(ReservationErrorKind kind, string detail) => new(null, null, new ReservationError(kind, detail));
}

public sealed record ReservationFilter(string? UserId = null, string? Board = null, bool ActiveOnly = false, int Take = 200);
