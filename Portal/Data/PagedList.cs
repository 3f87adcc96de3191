using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace Portal.Data;

/// <summary>One page of a longer list, and how many items the whole filtered list has.</summary>
public sealed record PagedList<T>(IReadOnlyList<T> Items, int Total);

/// <summary>Paging, sorting and text filters done by the database, for tables that grow without bound.</summary>
public static class PagedQuery
{
    public const int MaxPageSize = 200;

    /// <summary>Counts the filtered rows, then reads one page of them (page from 0; at most <see cref="MaxPageSize"/> rows).</summary>
    public static async Task<PagedList<T>> ToPagedListAsync<T>(this IQueryable<T> query, int page, int pageSize, CancellationToken cancellationToken)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.Skip(Math.Max(0, page) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return new PagedList<T>(items, total);
    }

    /// <summary>Orders by the key, ascending or descending, as a column header asks.</summary>
    public static IOrderedQueryable<T> OrderBy<T, TKey>(this IQueryable<T> query, Expression<Func<T, TKey>> key, bool descending) =>
        descending ? query.OrderByDescending(key) : query.OrderBy(key);

    /// <summary>
    /// A LIKE pattern matching the text anywhere, with the text's own % and _ taken literally (escape character \), in
    /// lower case: match it against the column's <c>ToLower()</c>, as SQLite's LIKE ignores case and PostgreSQL's does not.
    /// </summary>
    public static string Containing(string text) =>
        "%" + text.Trim().ToLowerInvariant().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
