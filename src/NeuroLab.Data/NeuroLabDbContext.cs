using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data.Audit;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Identity;
using NeuroLab.Data.Runs;
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

    public DbSet<Dataset> Datasets => Set<Dataset>();

    public DbSet<DatasetFile> DatasetFiles => Set<DatasetFile>();

    public DbSet<Stimulus> Stimuli => Set<Stimulus>();

    public DbSet<ResponseSet> ResponseSets => Set<ResponseSet>();

    public DbSet<AtlasRegion> AtlasRegions => Set<AtlasRegion>();

    public DbSet<StagedUpload> StagedUploads => Set<StagedUpload>();

    public DbSet<Experiment> Experiments => Set<Experiment>();

    public DbSet<Run> Runs => Set<Run>();

    public DbSet<RunLogEntry> RunLog => Set<RunLogEntry>();

    public DbSet<RunArtifact> RunArtifacts => Set<RunArtifact>();

    public DbSet<Captions.CaptionReview> CaptionReviews => Set<Captions.CaptionReview>();

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

        builder.Entity<Dataset>(d =>
        {
            d.Property(x => x.Name).HasMaxLength(Dataset.MaxNameLength).IsRequired();
            d.Property(x => x.Space).HasConversion<string>().HasMaxLength(16);
            d.Property(x => x.SampleKey).HasMaxLength(64);
            d.HasIndex(x => x.WorkspaceId);
            d.HasOne<Workspace>().WithMany().HasForeignKey(x => x.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
            d.HasMany(x => x.Files).WithOne(f => f.Dataset).HasForeignKey(f => f.DatasetId).OnDelete(DeleteBehavior.Cascade);
            d.HasMany(x => x.Stimuli).WithOne().HasForeignKey(s => s.DatasetId).OnDelete(DeleteBehavior.Cascade);
            d.HasMany(x => x.ResponseSets).WithOne().HasForeignKey(r => r.DatasetId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<DatasetFile>(f =>
        {
            f.Property(x => x.FileName).HasMaxLength(500).IsRequired();
            f.Property(x => x.Role).HasConversion<string>().HasMaxLength(32);
            f.Property(x => x.Format).HasMaxLength(32);
            f.Property(x => x.Sha256).HasMaxLength(64).IsRequired();
            f.HasIndex(x => x.Sha256);
            f.HasIndex(x => x.DatasetId);
        });

        builder.Entity<Stimulus>(s =>
        {
            s.Property(x => x.Name).HasMaxLength(300).IsRequired();
            s.Property(x => x.Split).HasMaxLength(16);
            s.HasIndex(x => new { x.DatasetId, x.Index }).IsUnique();
        });

        builder.Entity<ResponseSet>(r =>
        {
            r.Property(x => x.Name).HasMaxLength(200).IsRequired();
            r.Property(x => x.UnitKind).HasConversion<string>().HasMaxLength(16);
            r.Property(x => x.ArraySha256).HasMaxLength(64).IsRequired();
            r.Property(x => x.Provenance).HasMaxLength(32);
        });

        builder.Entity<AtlasRegion>(a =>
        {
            a.Property(x => x.Name).HasMaxLength(200).IsRequired();
            a.HasIndex(x => new { x.FileId, x.Value }).IsUnique();
            a.HasOne<DatasetFile>().WithMany().HasForeignKey(x => x.FileId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<StagedUpload>(u =>
        {
            u.Property(x => x.FileName).HasMaxLength(500).IsRequired();
            u.Property(x => x.Sha256).HasMaxLength(64).IsRequired();
            u.Property(x => x.UserId).HasMaxLength(450).IsRequired();
            u.Property(x => x.Error).HasMaxLength(2000);
            u.HasIndex(x => new { x.WorkspaceId, x.UserId });
            u.HasOne<Workspace>().WithMany().HasForeignKey(x => x.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Experiment>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200).IsRequired();
            e.HasIndex(x => x.WorkspaceId);
            e.HasOne<Workspace>().WithMany().HasForeignKey(x => x.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Dataset>().WithMany().HasForeignKey(x => x.DatasetId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Run>(r =>
        {
            r.Property(x => x.Kind).HasMaxLength(64).IsRequired();
            r.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            r.Property(x => x.DatasetChecksum).HasMaxLength(64);
            r.Property(x => x.CodeVersion).HasMaxLength(64);
            r.Property(x => x.CheckpointSha256).HasMaxLength(64);
            r.Property(x => x.LeaseOwner).HasMaxLength(128);
            r.HasIndex(x => new { x.Status, x.CreatedAtUtc });
            r.HasIndex(x => x.WorkspaceId);
            r.HasIndex(x => x.ExperimentId);
            r.HasOne<Workspace>().WithMany().HasForeignKey(x => x.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
            r.HasOne<Dataset>().WithMany().HasForeignKey(x => x.DatasetId).OnDelete(DeleteBehavior.Cascade);
            r.HasOne<Experiment>().WithMany().HasForeignKey(x => x.ExperimentId).OnDelete(DeleteBehavior.SetNull);
        });

        builder.Entity<RunLogEntry>(l =>
        {
            l.Property(x => x.Level).HasMaxLength(16);
            l.Property(x => x.Message).HasMaxLength(4000);
            l.HasIndex(x => new { x.RunId, x.Id });
            l.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<RunArtifact>(a =>
        {
            a.Property(x => x.Name).HasMaxLength(200).IsRequired();
            a.Property(x => x.Kind).HasMaxLength(16);
            a.Property(x => x.Format).HasMaxLength(16);
            a.Property(x => x.Role).HasMaxLength(32).IsRequired();
            a.Property(x => x.Sha256).HasMaxLength(64).IsRequired();
            a.HasIndex(x => x.RunId);
            a.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Captions.CaptionReview>(c =>
        {
            c.Property(x => x.UserId).HasMaxLength(450).IsRequired();
            c.Property(x => x.Verdict).HasConversion<string>().HasMaxLength(16);
            c.Property(x => x.Comment).HasMaxLength(2000);
            c.HasIndex(x => new { x.RunId, x.Unit, x.UserId }).IsUnique();
            c.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
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
