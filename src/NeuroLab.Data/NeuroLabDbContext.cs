using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data.Audit;
using NeuroLab.Data.Identity;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Data;

/// <summary>
/// The application database: Identity tables plus NeuroLab's own. Components get short-lived
/// instances from <see cref="IDbContextFactory{TContext}"/>; a context is never shared across threads.
/// </summary>
public sealed class NeuroLabDbContext(DbContextOptions<NeuroLabDbContext> options) : IdentityDbContext<ApplicationUser>(options)
{
    public DbSet<Workspace> Workspaces => Set<Workspace>();

    public DbSet<Membership> Memberships => Set<Membership>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<ApplicationUser>().Property(u => u.DisplayName).HasMaxLength(100);

        builder.Entity<Workspace>(w =>
        {
            w.Property(x => x.Name).HasMaxLength(Workspace.MaxNameLength).IsRequired();
            w.HasMany(x => x.Members).WithOne(m => m.Workspace).HasForeignKey(m => m.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Membership>(m =>
        {
            m.HasKey(x => new { x.WorkspaceId, x.UserId });
            m.HasIndex(x => x.UserId);
            m.Property(x => x.Role).HasConversion<string>().HasMaxLength(16);
            m.HasOne(x => x.User).WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ApiToken>(t =>
        {
            t.Property(x => x.Name).HasMaxLength(100).IsRequired();
            t.Property(x => x.Prefix).HasMaxLength(16).IsRequired();
            t.Property(x => x.SecretHash).HasMaxLength(64).IsRequired();
            t.HasIndex(x => x.SecretHash).IsUnique();
            t.HasIndex(x => x.UserId);
            t.HasOne(x => x.User).WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<AuditEvent>(a =>
        {
            a.Property(x => x.Action).HasMaxLength(64).IsRequired();
            a.Property(x => x.ActorUserId).HasMaxLength(450).IsRequired();
            a.Property(x => x.Detail).HasMaxLength(1000);
            a.HasIndex(x => new { x.WorkspaceId, x.AtUtc });
        });
    }
}
