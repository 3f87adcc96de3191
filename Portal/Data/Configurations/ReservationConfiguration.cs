using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class ReservationConfiguration : IEntityTypeConfiguration<Reservation>
{
    public void Configure(EntityTypeBuilder<Reservation> builder)
    {
        builder.HasOne(r => r.Board).WithMany().HasForeignKey(r => r.BoardId).OnDelete(DeleteBehavior.Restrict);
        // Deleting a user keeps their reservations as history (with DeletedUserEmail), never deletes them.
        builder.HasOne(r => r.User).WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.SetNull);
        builder.Property(r => r.DeletedUserEmail).HasMaxLength(256);
        builder.Property(r => r.State).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.EndsAs).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.EndedBy).HasMaxLength(256);

        // One active reservation per board, enforced by the database (NULLs, i.e. ended reservations, never collide).
        builder.HasIndex(r => r.ActiveBoardId).IsUnique();
        builder.HasIndex(r => new { r.State, r.ExpiresAt });
        builder.HasIndex(r => r.UserId);

        // The Usage page reads a period of history by grant time, and the last grant per board.
        builder.HasIndex(r => r.GrantedAt);
        builder.HasIndex(r => new { r.BoardId, r.GrantedAt });
    }
}
