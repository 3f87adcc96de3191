using Microsoft.Extensions.Options;

namespace Portal.Components.Circuits;

/// <summary>Why a page was not served: the sentence the person reads, and the limit that was reached.</summary>
public sealed record CircuitRefusal(string Message, string Key, int Limit);

/// <summary>
/// The one count of connected pages, in total and per person, and the one rule of who gets another: a page holds a
/// place while its connection is up (<see cref="CircuitAdmission"/>).
/// </summary>
public sealed class CircuitLimits(IOptions<CircuitLimitOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>Connected pages holding a place now.</summary>
    public int Connected
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>Takes a place for a page of <paramref name="userId"/> (null when signed out); null when taken, else why not.</summary>
    public CircuitRefusal? TryTake(string? userId)
    {
        var limits = options.Value;
        lock (_gate)
        {
            if (_total >= limits.MaxTotal)
            {
                return new CircuitRefusal(
                    $"The portal already serves the most open pages it may ({limits.MaxTotal}); reload this page in a few minutes.",
                    $"{CircuitLimitOptions.Section}:{nameof(CircuitLimitOptions.MaxTotal)}", limits.MaxTotal);
            }

            if (userId is not null && _perUser.GetValueOrDefault(userId) >= limits.MaxPerUser)
            {
                return new CircuitRefusal(
                    $"You already have the most portal pages open that one person may ({limits.MaxPerUser}); close one of them and reload this page.",
                    $"{CircuitLimitOptions.Section}:{nameof(CircuitLimitOptions.MaxPerUser)}", limits.MaxPerUser);
            }

            _total++;
            if (userId is not null)
            {
                _perUser[userId] = _perUser.GetValueOrDefault(userId) + 1;
            }

            return null;
        }
    }

    /// <summary>Gives back the place a page of <paramref name="userId"/> took.</summary>
    public void Release(string? userId)
    {
        lock (_gate)
        {
            _total--;
            if (userId is not null && --_perUser[userId] == 0)
            {
                _perUser.Remove(userId);
            }
        }
    }
}
