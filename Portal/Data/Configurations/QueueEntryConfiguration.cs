using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class QueueEntryConfiguration : IEntityTypeConfiguration<QueueEntry>
{
    public void Configure(EntityTypeBuilder<QueueEntry> builder)
    {
        builder.HasOne(q => q.User).WithMany().HasForeignKey(q => q.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(q => q.Class).WithMany().HasForeignKey(q => q.BoardClassId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(q => q.State).HasConversion<string>().HasMaxLength(20);
        builder.Property(q => q.TagFilter).HasJsonConversion();
        builder.HasIndex(q => new { q.State, q.Position });
    }
}
