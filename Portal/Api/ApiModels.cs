using Portal.Lab;
using Portal.Reservations;

namespace Portal.Api;

public sealed record ApiBoard(string Name, string Class, string State, IReadOnlyDictionary<string, string> Tags, string? Holder, DateTime? ReservedUntil)
{
    public static ApiBoard From(BoardSummary board) =>
        new(board.Name, board.ClassName, board.State.ToString().ToLowerInvariant(), board.Tags, board.Holder?.Email, board.Holder?.ExpiresAt);
}

public sealed record ApiBoardClass(string Name, string Arch, string? Description, int Free, int Total, IReadOnlyList<ApiBoard> Boards)
{
    public static ApiBoardClass From(BoardClassSummary c) =>
        new(c.Name, c.Arch, c.Description, c.Free, c.Boards.Count, c.Boards.Select(ApiBoard.From).ToList());
}

/// <summary>
/// A reservation request: either <see cref="Board"/>, or <see cref="Class"/> with optional <see cref="Tags"/>
/// (e.g. <c>{"usb": "yes"}</c>). <see cref="Wait"/> queues a class request when no board is free.
/// </summary>
public sealed record ReserveRequest(string? Board, string? Class, Dictionary<string, string>? Tags, double? LeaseMinutes, bool Wait = false);

public sealed record ExtendRequest(int? Minutes);

public sealed record ApiReservation(
    int Id, string Board, string Class, string User, string State, DateTime GrantedAt, DateTime ExpiresAt, DateTime? EndedAt, string? SetupOutput)
{
    public static ApiReservation From(ReservationView r) =>
        new(r.Id, r.Board, r.BoardClass, r.UserEmail, r.State.ToString().ToLowerInvariant(), r.GrantedAt, r.ExpiresAt, r.EndedAt, r.SetupOutput);
}

public sealed record ApiQueueEntry(int Id, string Class, IReadOnlyDictionary<string, string> Tags, int Position, string State, int? ReservationId)
{
    public static ApiQueueEntry From(QueueEntryView q) =>
        new(q.Id, q.BoardClass, q.TagFilter, q.Position, q.State.ToString().ToLowerInvariant(), q.ReservationId);
}

/// <summary>What POST /reservations answers: a reservation (201) or a place in the queue (202).</summary>
public sealed record ReserveResponse(ApiReservation? Reservation, ApiQueueEntry? Queued);
