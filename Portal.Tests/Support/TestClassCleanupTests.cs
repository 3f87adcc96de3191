namespace Portal.Tests.Support;

/// <summary>
/// xunit 2 cleans up a test class through <see cref="IDisposable"/> or <see cref="IAsyncLifetime"/>, never through
/// <see cref="IAsyncDisposable"/>: a class relying on that leaks what it owns (portals, QEMUs, folders in /tmp) on every run.
/// </summary>
public sealed class TestClassCleanupTests
{
    [Fact]
    public void NoTestClassCleansUpThroughIAsyncDisposable()
    {
        var neverCleanedUp = typeof(TestClassCleanupTests).Assembly.GetTypes()
            .Where(type => type.GetMethods().Any(method => method.IsDefined(typeof(FactAttribute), inherit: true)))
            .Where(type => typeof(IAsyncDisposable).IsAssignableFrom(type) && !typeof(IAsyncLifetime).IsAssignableFrom(type))
            .Select(type => type.FullName);

        Assert.Empty(neverCleanedUp);
    }
}
