using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
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
public sealed class NeuroLabDbContext(DbContextOptions<NeuroLabDbContext> options) : IdentityDbContext<ApplicationUser>(options), IDataProtectionKeyContext
{
    /// <summary>The provider name of Npgsql's EF Core provider (PostgreSQL).</summary>
    public const string PostgreSqlProviderName = "Npgsql.EntityFrameworkCore.PostgreSQL";

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

    public DbSet<Annotations.Annotation> Annotations => Set<Annotations.Annotation>();

    public DbSet<Annotations.AnnotationRevision> AnnotationRevisions => Set<Annotations.AnnotationRevision>();

    public DbSet<Annotations.AnnotationMention> AnnotationMentions => Set<Annotations.AnnotationMention>();

    /// <summary>ASP.NET Core Data Protection keys, shared by web instances on PostgreSQL (SQLite keeps them in files).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        if (Database.ProviderName == PostgreSqlProviderName)
        {
            // Every DateTime is UTC (the *Utc names); PostgreSQL stores them as timestamp with time zone, which Npgsql
            // only accepts with Kind = Utc. Values of unspecified kind are taken as UTC, local ones converted.
            configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        }
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // One IEntityTypeConfiguration<T> per entity, in Configurations/.
        builder.ApplyConfigurationsFromAssembly(typeof(NeuroLabDbContext).Assembly);
    }
}
