using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class UserSshKeyConfiguration : IEntityTypeConfiguration<UserSshKey>
{
    public void Configure(EntityTypeBuilder<UserSshKey> builder)
    {
        builder.HasOne(k => k.User).WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(k => k.PublicKey).HasMaxLength(Portal.Identity.SshKeyService.MaxKeyLength);
        builder.Property(k => k.Fingerprint).HasMaxLength(64);
        builder.HasIndex(k => new { k.UserId, k.Fingerprint }).IsUnique();
    }
}
