using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class SshHostKeyConfiguration : IEntityTypeConfiguration<SshHostKey>
{
    public void Configure(EntityTypeBuilder<SshHostKey> builder)
    {
        builder.Property(k => k.Board).HasMaxLength(100);
        builder.Property(k => k.Fingerprint).HasMaxLength(100);
        builder.Property(k => k.RecordedBy).HasMaxLength(256);
        builder.Property(k => k.OfferedFingerprint).HasMaxLength(100);
        builder.HasIndex(k => k.Board).IsUnique();
    }
}
