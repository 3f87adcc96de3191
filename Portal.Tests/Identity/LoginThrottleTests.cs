using Microsoft.Extensions.Time.Testing;
using Portal.Identity;
using Portal.Tests.Support;

namespace Portal.Tests.Identity;

public sealed class LoginThrottleTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly LoginThrottle _throttle;

    public LoginThrottleTests() =>
        _throttle = new LoginThrottle(new StaticOptionsMonitor<SecurityOptions>(new SecurityOptions()), _clock);

    [Fact]
    public void TheWaitDoublesWithEveryFurtherFailureAndNeverPassesTheMaximum()
    {
        var waits = new List<TimeSpan?>();
        for (var failure = 1; failure <= 10; failure++)
        {
            _throttle.Failed("203.0.113.5", "admin@localhost");
            waits.Add(_throttle.RetryAfter("203.0.113.5", "admin@localhost"));
            _clock.Advance(waits[^1] ?? TimeSpan.Zero);
        }

        Assert.Equal(
            [null, null, null, null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(8), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(15)],
            waits);

        // Once the wait is over the client may try again: no account is locked for good.
        Assert.Null(_throttle.RetryAfter("203.0.113.5", "admin@localhost"));
    }

    [Fact]
    public void AnotherClientAndUnknownEmailsAreCountedApart()
    {
        for (var failure = 0; failure < 5; failure++)
        {
            _throttle.Failed("203.0.113.5", "Admin@Localhost");
            _throttle.Failed("203.0.113.5", "nobody@lab.test");
        }

        Assert.Equal(TimeSpan.FromMinutes(1), _throttle.RetryAfter("203.0.113.5", "admin@localhost"));
        Assert.Equal(TimeSpan.FromMinutes(1), _throttle.RetryAfter("203.0.113.5", "nobody@lab.test"));
        Assert.Null(_throttle.RetryAfter("198.51.100.7", "admin@localhost"));
    }

    [Fact]
    public void TheRightPasswordStartsTheCountAgain()
    {
        for (var failure = 0; failure < 4; failure++)
        {
            _throttle.Failed("203.0.113.5", "admin@localhost");
        }

        _throttle.Succeeded("203.0.113.5", "admin@localhost");
        _throttle.Failed("203.0.113.5", "admin@localhost");

        Assert.Null(_throttle.RetryAfter("203.0.113.5", "admin@localhost"));
    }
}
