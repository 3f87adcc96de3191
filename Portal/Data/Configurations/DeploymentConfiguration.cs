using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class DeploymentConfiguration : IEntityTypeConfiguration<Deployment>
{
    public void Configure(EntityTypeBuilder<Deployment> builder)
    {
        builder.HasOne(d => d.User).WithMany().HasForeignKey(d => d.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(d => d.Board).HasMaxLength(100);
        builder.Property(d => d.Files).HasMaxLength(4000);
        builder.Property(d => d.Error).HasMaxLength(2000);
        builder.HasIndex(d => d.ReservationId);
        builder.HasIndex(d => d.Board);
    }
}
