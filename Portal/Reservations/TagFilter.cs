using System.Diagnostics.CodeAnalysis;

namespace Portal.Reservations;

/// <summary>Tag filters as people and scripts write them: <c>usb=yes camera=no</c> (spaces or commas between).</summary>
public static class TagFilter
{
    public static bool TryParse(string? text, out IReadOnlyDictionary<string, string> tags, [NotNullWhen(false)] out string? error)
    {
        var parsed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        tags = parsed;
        foreach (var part in (text ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0 || at == part.Length - 1)
            {
                error = $"'{part}' is not a tag filter; write key=value, e.g. usb=yes.";
                return false;
            }

            parsed[part[..at]] = part[(at + 1)..];
        }

        error = null;
        return true;
    }
}
