using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class BoardConfiguration : IEntityTypeConfiguration<Board>
{
    public void Configure(EntityTypeBuilder<Board> builder)
    {
        builder.Property(b => b.Name).HasMaxLength(100);
        builder.HasIndex(b => b.Name).IsUnique();
        builder.HasOne(b => b.Class).WithMany(c => c.Boards).HasForeignKey(b => b.BoardClassId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(b => b.Condition).HasConversion<string>().HasMaxLength(20);

        // Tags are a small bag of labels (usb=yes); a JSON text column works on every provider.
        builder.Property(b => b.Tags)
            .HasConversion(
                tags => JsonSerializer.Serialize(tags, JsonSerializerOptions.Default),
                json => JsonSerializer.Deserialize<Dictionary<string, string>>(json, JsonSerializerOptions.Default) ?? new())
            .Metadata.SetValueComparer(new ValueComparer<Dictionary<string, string>>(
                (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
                tags => tags.Aggregate(0, (hash, pair) => HashCode.Combine(hash, pair.Key, pair.Value)),
                tags => new Dictionary<string, string>(tags)));
    }
}
