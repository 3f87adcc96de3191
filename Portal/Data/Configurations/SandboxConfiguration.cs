using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class SandboxConfiguration : IEntityTypeConfiguration<Sandbox>
{
    public void Configure(EntityTypeBuilder<Sandbox> builder)
    {
        builder.HasOne(s => s.Reservation).WithMany().HasForeignKey(s => s.ReservationId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(s => s.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.Image).HasMaxLength(512);
        builder.Property(s => s.Shell).HasMaxLength(256);
        builder.Property(s => s.ContainerId).HasMaxLength(128);

        // One live sandbox per reservation, enforced by the database as for boards.
        builder.HasIndex(s => s.ActiveReservationId).IsUnique();
        builder.HasIndex(s => s.Status);
    }
}
