using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal static class StringDictionaryConversion
{
    /// <summary>Stores a small bag of labels (usb=yes) as a JSON text column, which works on every provider.</summary>
    public static PropertyBuilder<Dictionary<string, string>> HasJsonConversion(this PropertyBuilder<Dictionary<string, string>> property)
    {
        property
            .HasConversion(
                tags => JsonSerializer.Serialize(tags, JsonSerializerOptions.Default),
                json => JsonSerializer.Deserialize<Dictionary<string, string>>(json, JsonSerializerOptions.Default) ?? new())
            .Metadata.SetValueComparer(new ValueComparer<Dictionary<string, string>>(
                (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
                tags => tags.Aggregate(0, (hash, pair) => HashCode.Combine(hash, pair.Key, pair.Value)),
                tags => new Dictionary<string, string>(tags)));
        return property;
    }
}
