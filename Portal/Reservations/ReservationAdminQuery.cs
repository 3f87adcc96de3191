using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Reservations;

/// <summary>What an admin asks of all reservations: who (part of the e-mail), which board (part of the name), which state, granted when (UTC, inclusive from, exclusive to), sorted by a column, one page.</summary>
public sealed record ReservationQuery(
    string? User = null,
    string? Board = null,
    ReservationState? State = null,
    DateTime? From = null,
    DateTime? To = null,
    string SortBy = nameof(ReservationView.Id),
    bool Descending = true,
    int Page = 0,
    int PageSize = 25);

/// <summary>All reservations, paged, sorted and filtered by the database, for the admins' table.</summary>
public sealed class ReservationAdminQuery(IDbContextFactory<ApplicationDbContext> dbFactory)
{
    public async Task<PagedList<ReservationView>> PageAsync(ReservationQuery query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var reservations = db.Reservations.AsQueryable();
        if (!string.IsNullOrWhiteSpace(query.User))
        {
            reservations = reservations.Where(r => (r.User!.Email ?? r.DeletedUserEmail) != null && EF.Functions.Like((r.User!.Email ?? r.DeletedUserEmail!).ToLower(), PagedQuery.Containing(query.User), "\\"));
        }

        if (!string.IsNullOrWhiteSpace(query.Board))
        {
            reservations = reservations.Where(r => EF.Functions.Like(r.Board.Name.ToLower(), PagedQuery.Containing(query.Board), "\\"));
        }

        if (query.State is { } state)
        {
            reservations = reservations.Where(r => r.State == state);
        }

        if (query.From is { } from)
        {
            reservations = reservations.Where(r => r.GrantedAt >= from);
        }

        if (query.To is { } to)
        {
            reservations = reservations.Where(r => r.GrantedAt < to);
        }

        var sorted = query.SortBy switch
        {
            nameof(ReservationView.Board) => reservations.OrderBy(r => r.Board.Name, query.Descending).ThenByDescending(r => r.Id),
            nameof(ReservationView.UserEmail) => reservations.OrderBy(r => r.User!.Email ?? r.DeletedUserEmail, query.Descending).ThenByDescending(r => r.Id),
            nameof(ReservationView.State) => reservations.OrderBy(r => r.State, query.Descending).ThenByDescending(r => r.Id),
            nameof(ReservationView.ExpiresAt) => reservations.OrderBy(r => r.ExpiresAt, query.Descending).ThenByDescending(r => r.Id),
            // Ids grow with the grant time, so they order by it too, on the primary key.
            _ => reservations.OrderBy(r => r.Id, query.Descending),
        };
        return await ReservationQueries.Project(sorted).ToPagedListAsync(query.Page, query.PageSize, cancellationToken);
    }
}
