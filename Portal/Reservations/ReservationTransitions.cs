using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Portal.Data;

namespace Portal.Reservations;

/// <summary>
/// Every change of a reservation's state after its grant, each written once as a conditional update: it applies only
/// from the states it names, so of two callers racing for the same reservation exactly one wins (the other gets 0).
/// The board stays taken (<see cref="Reservation.ActiveBoardId"/>) until the reservation has ended.
/// </summary>
internal static class ReservationTransitions
{
    /// <summary>Preparing → Active: the setup script succeeded.</summary>
    public static Task<int> ActivateAsync(this DbSet<Reservation> reservations, int id, string setupOutput, CancellationToken cancellationToken) =>
        reservations.Where(r => r.Id == id && r.State == ReservationState.Preparing)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.State, ReservationState.Active).SetProperty(r => r.SetupOutput, setupOutput), cancellationToken);

    /// <summary>Preparing → Failed: the setup script failed; the board is let go (to attention, by the caller).</summary>
    public static Task<int> FailAsync(this DbSet<Reservation> reservations, int id, string setupOutput, DateTime now, CancellationToken cancellationToken) =>
        reservations.Where(r => r.Id == id && r.State == ReservationState.Preparing)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.State, ReservationState.Failed)
                    .SetProperty(r => r.ActiveBoardId, (int?)null)
                    .SetProperty(r => r.EndedAt, now)
                    .SetProperty(r => r.SetupOutput, setupOutput),
                cancellationToken);

    /// <summary>Preparing or Active → a later expiry, never past <paramref name="expiresAt"/>.</summary>
    public static Task<int> ExtendAsync(this DbSet<Reservation> reservations, int id, DateTime expiresAt, CancellationToken cancellationToken) =>
        reservations.Where(r => r.Id == id && (r.State == ReservationState.Preparing || r.State == ReservationState.Active))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ExpiresAt, expiresAt), cancellationToken);

    /// <summary>
    /// Preparing or Active → Releasing, when a teardown will run; the board stays taken until <see cref="FinishReleaseAsync"/>.
    /// With <paramref name="onlyIfDueBy"/>, only a lease that has run out by then (the clock's expiry).
    /// </summary>
    public static Task<int> BeginReleaseAsync(this DbSet<Reservation> reservations, int id, ReservationState endsAs, string endedBy, DateTime now, DateTime? onlyIfDueBy, CancellationToken cancellationToken) =>
        Releasable(reservations, id, onlyIfDueBy)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.State, ReservationState.Releasing)
                    .SetProperty(r => r.EndsAs, endsAs)
                    .SetProperty(r => r.EndedAt, now)
                    .SetProperty(r => r.EndedBy, endedBy),
                cancellationToken);

    /// <summary>Preparing or Active → Released or Expired at once, when there is no teardown to run; the board is free.</summary>
    /// <remarks>
    /// In SQL, where the others are LINQ: every release without a teardown script runs this inside the write lock, and
    /// EF Core's lookup of the LINQ update in its query cache (there are no compiled updates) cost more than the update.
    /// </remarks>
    public static Task<int> EndAsync(this DbSet<Reservation> reservations, int id, ReservationState endsAs, string endedBy, DateTime now, DateTime? onlyIfDueBy, CancellationToken cancellationToken)
    {
        var database = reservations.GetService<ICurrentDbContext>().Context.Database;
        var (state, preparing, active) = (endsAs.ToString(), nameof(ReservationState.Preparing), nameof(ReservationState.Active));
        return onlyIfDueBy is { } dueBy
            ? database.ExecuteSqlAsync(
                $"""
                UPDATE "Reservations" SET "State" = {state}, "ActiveBoardId" = NULL, "EndedAt" = {now}, "EndedBy" = {endedBy}
                WHERE "Id" = {id} AND "State" IN ({preparing}, {active}) AND "ExpiresAt" <= {dueBy}
                """,
                cancellationToken)
            : database.ExecuteSqlAsync(
                $"""
                UPDATE "Reservations" SET "State" = {state}, "ActiveBoardId" = NULL, "EndedAt" = {now}, "EndedBy" = {endedBy}
                WHERE "Id" = {id} AND "State" IN ({preparing}, {active})
                """,
                cancellationToken);
    }

    /// <summary>Releasing → Released or Expired: the teardown finished; the board is free.</summary>
    public static Task<int> FinishReleaseAsync(this DbSet<Reservation> reservations, int id, ReservationState endsAs, string? teardownOutput, CancellationToken cancellationToken) =>
        reservations.Where(r => r.Id == id && r.State == ReservationState.Releasing)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.State, endsAs)
                    .SetProperty(r => r.ActiveBoardId, (int?)null)
                    .SetProperty(r => r.TeardownOutput, teardownOutput),
                cancellationToken);

    // Composed, not written as `onlyIfDueBy == null || ...`: EF Core would compile that test of a captured value into a
    // delegate on every release, inside the write lock.
    private static IQueryable<Reservation> Releasable(DbSet<Reservation> reservations, int id, DateTime? onlyIfDueBy)
    {
        var held = reservations.Where(r => r.Id == id && (r.State == ReservationState.Preparing || r.State == ReservationState.Active));
        return onlyIfDueBy is { } dueBy ? held.Where(r => r.ExpiresAt <= dueBy) : held;
    }
}
