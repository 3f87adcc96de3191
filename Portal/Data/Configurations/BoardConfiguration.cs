using Microsoft.EntityFrameworkCore;
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
        builder.Property(b => b.Tags).HasJsonConversion();
        builder.Property(b => b.OfflineReason).HasMaxLength(1000);
        builder.Property(b => b.Health).HasConversion<string>().HasMaxLength(20);
        builder.Property(b => b.HealthNote).HasMaxLength(2000);
        builder.Property(b => b.CheckDue).HasMaxLength(200);
    }
}
