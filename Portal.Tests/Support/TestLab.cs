using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Hardware;
using Portal.Lab;

namespace Portal.Tests.Support;

public static class TestLab
{
    /// <summary>A real catalog over the given database and lab config, with the real driver factory.</summary>
    public static LabCatalog Catalog(IDbContextFactory<ApplicationDbContext> database, LabOptions lab) =>
        new(database, new StaticOptionsMonitor<LabOptions>(lab), Drivers());

    /// <summary>The real driver factory with every driver the hardware library ships.</summary>
    public static DriverFactory Drivers() =>
        new ServiceCollection().AddLogging().AddHardware().BuildServiceProvider().GetRequiredService<DriverFactory>();
}
