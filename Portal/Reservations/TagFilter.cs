using System.Diagnostics.CodeAnalysis;

namespace Portal.Reservations;

/// <summary>Tag filters as people and scripts write them: <c>usb=yes camera=no</c> (spaces or commas between), within fixed limits.</summary>
public static class TagFilter
{
    public const int MaxTags = 16;
    public const int MaxKeyLength = 64;
    public const int MaxValueLength = 128;

    public static bool TryParse(string? text, out IReadOnlyDictionary<string, string> tags, [NotNullWhen(false)] out string? error)
    {
        var parsed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        tags = parsed;
        foreach (var part in (text ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0 || at == part.Length - 1)
            {
                error = $"'{Shorten(part)}' is not a tag filter; write key=value, e.g. usb=yes.";
                return false;
            }

            parsed[part[..at]] = part[(at + 1)..];
        }

        error = LimitError(parsed);
        return error is null;
    }

    /// <summary>Why a filter is refused (too many tags, a key or value too long), naming the limit; null when it is within them.</summary>
    public static string? LimitError(IReadOnlyDictionary<string, string> filter)
    {
        if (filter.Count > MaxTags)
        {
            return $"A tag filter may have at most {MaxTags} tags; this one has {filter.Count}.";
        }

        foreach (var (key, value) in filter)
        {
            if (key.Length > MaxKeyLength)
            {
                return $"Tag key '{Shorten(key)}' is {key.Length} characters long; at most {MaxKeyLength} are allowed.";
            }

            if (value.Length > MaxValueLength)
            {
                return $"The value of tag '{Shorten(key)}' is {value.Length} characters long; at most {MaxValueLength} are allowed.";
            }
        }

        return null;
    }

    /// <summary>Whether a board's tags satisfy the filter: every filtered key present with that value (case aside).</summary>
    public static bool Matches(IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string> filter) =>
        filter.All(f => tags.TryGetValue(f.Key, out var value) && string.Equals(value, f.Value, StringComparison.OrdinalIgnoreCase));

    /// <summary>" with usb=yes, camera=no" for messages and the audit log; empty for no filter.</summary>
    public static string Describe(IReadOnlyDictionary<string, string> filter) =>
        filter.Count == 0 ? "" : $" with {string.Join(", ", filter.Select(t => $"{t.Key}={t.Value}"))}";

    // Messages quote what was sent, but never more than a screen line of it.
    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
