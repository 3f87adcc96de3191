using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Portal.Data;

/// <summary>
/// The portal's database, on SQLite; its migrations are in <c>Data/Migrations</c>. <see cref="PostgresDbContext"/> is
/// the same model on PostgreSQL with its own migrations, which the rest of the portal sees as this type.
/// </summary>
public class ApplicationDbContext : IdentityDbContext<ApplicationUser>, IDataProtectionKeyContext
{
    public ApplicationDbContext(DbContextOptions<ApplicationDbContext> options)
        : base(options)
    {
    }

    protected ApplicationDbContext(DbContextOptions options)
        : base(options)
    {
    }

    /// <summary>The keys that protect cookies and antiforgery tokens: in the database, so a restart or another instance keeps sign-ins valid.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<BoardClass> BoardClasses => Set<BoardClass>();

    public DbSet<Board> Boards => Set<Board>();

    public DbSet<Group> Groups => Set<Group>();

    public DbSet<Reservation> Reservations => Set<Reservation>();

    public DbSet<QueueEntry> Queue => Set<QueueEntry>();

    public DbSet<AuditEntry> Audit => Set<AuditEntry>();

    public DbSet<PersonalAccessToken> AccessTokens => Set<PersonalAccessToken>();

    public DbSet<AccessRule> AccessRules => Set<AccessRule>();

    public DbSet<Sandbox> Sandboxes => Set<Sandbox>();

    public DbSet<ClassImage> ClassImages => Set<ClassImage>();

    public DbSet<SshHostKey> SshHostKeys => Set<SshHostKey>();

    public DbSet<UserSshKey> SshKeys => Set<UserSshKey>();

    public DbSet<Artifact> Artifacts => Set<Artifact>();

    public DbSet<Deployment> Deployments => Set<Deployment>();

    public DbSet<HealthCheckRun> HealthChecks => Set<HealthCheckRun>();

    public DbSet<Webhook> Webhooks => Set<Webhook>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(ApplicationDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every timestamp is UTC; the converter restores the kind that the database drops.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }
}
