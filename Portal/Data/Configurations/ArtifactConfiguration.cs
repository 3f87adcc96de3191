using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class ArtifactConfiguration : IEntityTypeConfiguration<Artifact>
{
    public void Configure(EntityTypeBuilder<Artifact> builder)
    {
        builder.HasOne(a => a.Uploader).WithMany().HasForeignKey(a => a.UploaderId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(a => a.Name).HasMaxLength(100);
        builder.Property(a => a.Sha256).HasMaxLength(64);

        // A user's second upload of the same bytes under the same name is the same artifact.
        builder.HasIndex(a => new { a.UploaderId, a.Name, a.Sha256 }).IsUnique();
        builder.HasIndex(a => a.Sha256);
    }
}
