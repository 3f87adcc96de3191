using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class HealthCheckRunConfiguration : IEntityTypeConfiguration<HealthCheckRun>
{
    public void Configure(EntityTypeBuilder<HealthCheckRun> builder)
    {
        builder.HasOne(r => r.Board).WithMany().HasForeignKey(r => r.BoardId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(r => r.Trigger).HasMaxLength(200);
        builder.Property(r => r.Outcome).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.Reason).HasMaxLength(2000);
        builder.HasIndex(r => new { r.BoardId, r.Id });
        builder.HasIndex(r => r.ReservationId).IsUnique();
    }
}
