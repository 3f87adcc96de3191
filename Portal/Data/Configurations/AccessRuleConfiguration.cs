using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class AccessRuleConfiguration : IEntityTypeConfiguration<AccessRule>
{
    public void Configure(EntityTypeBuilder<AccessRule> builder)
    {
        builder.Property(r => r.SubjectKind).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.Capability).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.TargetKind).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.Effect).HasConversion<string>().HasMaxLength(10);

        // A rule goes with the user or group it names; boards and classes are never deleted, only retired.
        builder.HasOne(r => r.SubjectUser).WithMany().HasForeignKey(r => r.SubjectUserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(r => r.SubjectGroup).WithMany().HasForeignKey(r => r.SubjectGroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(r => r.TargetBoard).WithMany().HasForeignKey(r => r.TargetBoardId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(r => r.TargetClass).WithMany().HasForeignKey(r => r.TargetClassId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => r.Capability);
    }
}
