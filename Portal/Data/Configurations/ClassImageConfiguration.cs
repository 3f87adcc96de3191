using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class ClassImageConfiguration : IEntityTypeConfiguration<ClassImage>
{
    public void Configure(EntityTypeBuilder<ClassImage> builder)
    {
        builder.HasOne(i => i.BoardClass).WithMany().HasForeignKey(i => i.BoardClassId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(i => i.Image).HasMaxLength(512);
        builder.Property(i => i.Shell).HasMaxLength(256);
        builder.HasIndex(i => new { i.BoardClassId, i.Image }).IsUnique();
    }
}
