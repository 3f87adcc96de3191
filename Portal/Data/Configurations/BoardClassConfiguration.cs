using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class BoardClassConfiguration : IEntityTypeConfiguration<BoardClass>
{
    public void Configure(EntityTypeBuilder<BoardClass> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(100);
        builder.HasIndex(c => c.Name).IsUnique();
        builder.Property(c => c.Arch).HasMaxLength(50);
        builder.Property(c => c.Description).HasMaxLength(1000);
    }
}
