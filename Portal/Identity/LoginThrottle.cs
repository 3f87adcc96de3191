using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Portal.Identity;

/// <summary>
/// Wrong passwords, counted per client address and account: after <see cref="SecurityOptions.LockoutThreshold"/> of
/// them that client waits <see cref="SecurityOptions.LockoutBase"/>, doubled with every further failure, never longer
/// than <see cref="SecurityOptions.LockoutMax"/>. Someone guessing from one place cannot lock the account's owner out
/// from another, and unknown emails are counted exactly as known ones, so the answers tell nothing about who exists.
/// </summary>
public sealed class LoginThrottle(IOptionsMonitor<SecurityOptions> options, TimeProvider clock)
{
    // Far more than real clients and accounts; the per-client rate limiter bounds how fast anyone fills it.
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<(string Client, string Email), Failures> _failures = new();

    /// <summary>How long this client must still wait before trying this account again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string client, string email)
    {
        if (!_failures.TryGetValue(Key(client, email), out var failures))
        {
            return null;
        }

        var wait = failures.LockedUntil(options.CurrentValue) - clock.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : null;
    }

    public void Failed(string client, string email)
    {
        var now = clock.GetUtcNow();
        var settings = options.CurrentValue;
        if (_failures.Count >= MaxEntries)
        {
            Forget(now, settings);
        }

        _failures.AddOrUpdate(
            Key(client, email),
            _ => new Failures(1, now),
            (_, previous) => previous.Stale(now, settings) ? new Failures(1, now) : new Failures(previous.Count + 1, now));
    }

    public void Succeeded(string client, string email) => _failures.TryRemove(Key(client, email), out _);

    private void Forget(DateTimeOffset now, SecurityOptions settings)
    {
        foreach (var (key, failures) in _failures)
        {
            if (failures.Stale(now, settings))
            {
                _failures.TryRemove(key, out _);
            }
        }
    }

    private static (string, string) Key(string client, string email) => (client, email.Trim().ToUpperInvariant());

    private sealed record Failures(int Count, DateTimeOffset Last)
    {
        public DateTimeOffset LockedUntil(SecurityOptions settings)
        {
            if (Count < settings.LockoutThreshold)
            {
                return DateTimeOffset.MinValue;
            }

            var doublings = Math.Min(Count - settings.LockoutThreshold, 20);
            var wait = settings.LockoutBase * Math.Pow(2, doublings);
            return Last + (wait < settings.LockoutMax ? wait : settings.LockoutMax);
        }

        /// <summary>Past the longest wait twice over without a new failure: the count starts again.</summary>
        public bool Stale(DateTimeOffset now, SecurityOptions settings) => now - Last > settings.LockoutMax * 2;
    }
}
