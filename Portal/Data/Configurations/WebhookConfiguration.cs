using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Data.Configurations;

internal sealed class WebhookConfiguration : IEntityTypeConfiguration<Webhook>
{
    public void Configure(EntityTypeBuilder<Webhook> builder)
    {
        builder.Property(w => w.Url).HasMaxLength(Webhooks.WebhookService.MaxUrlLength);
        builder.Property(w => w.Secret).HasMaxLength(Webhooks.WebhookService.MaxSecretLength);
        builder.Property(w => w.CreatedBy).HasMaxLength(256);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.HasOne(d => d.Webhook).WithMany().HasForeignKey(d => d.WebhookId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(d => d.Event).HasMaxLength(50);
        builder.Property(d => d.Occurrence).HasMaxLength(200);
        builder.Property(d => d.LastResult).HasMaxLength(500);
        builder.HasIndex(d => new { d.WebhookId, d.Occurrence }).IsUnique();
        builder.HasIndex(d => new { d.State, d.NextAttemptAt });
    }
}
