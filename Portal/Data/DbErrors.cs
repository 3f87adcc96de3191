using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Portal.Data;

internal static class DbErrors
{
    private const int SqliteConstraintUnique = 2067;
    private const string SqlStateUniqueViolation = "23505"; // SQL standard; PostgreSQL reports it

    /// <summary>Whether the database refused a write because it would break a unique index.</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode == SqliteConstraintUnique,
        DbException other => other.SqlState == SqlStateUniqueViolation,
        _ => false,
    };
}
