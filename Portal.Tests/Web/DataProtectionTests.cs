using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Tests.Support;

namespace Portal.Tests.Web;

/// <summary>The keys behind sign-in cookies live in the database: a restarted portal or another instance reads what the first protected.</summary>
public sealed class DataProtectionTests
{
    [Theory]
    [InlineData(PortalDatabase.Sqlite)]
    [PostgresData]
    public async Task WhatOneInstanceProtectsAnotherOnTheSameDatabaseUnprotects(string database)
    {
        await using var first = new PortalFactory().WithDatabase(database);
        var connection = first.Database.ConnectionString;
        var sealedByFirst = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookie").Protect("signed in as ada");
        await using var second = new PortalFactory().WithSetting("ConnectionStrings:Portal", connection);

        var opened = second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookie").Unprotect(sealedByFirst);

        Assert.Equal("signed in as ada", opened);
        await using var db = await first.Services.GetRequiredService<IDbContextFactory<ApplicationDbContext>>().CreateDbContextAsync();
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync());
    }
}
