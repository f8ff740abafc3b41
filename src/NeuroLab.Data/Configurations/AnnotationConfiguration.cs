using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NeuroLab.Data.Annotations;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Data.Configurations;

internal sealed class AnnotationConfiguration : IEntityTypeConfiguration<Annotation>
{
    public void Configure(EntityTypeBuilder<Annotation> builder)
    {
        builder.Property(x => x.TargetKind).HasMaxLength(32);
        builder.Property(x => x.TargetKey).HasMaxLength(200);
        builder.Property(x => x.TargetJson).HasMaxLength(2000);
        builder.Property(x => x.AuthorUserId).HasMaxLength(450);
        builder.Property(x => x.ResolvedByUserId).HasMaxLength(450);
        builder.Property(x => x.Body).HasMaxLength(Annotation.MaxBodyLength);
        builder.HasIndex(x => new { x.WorkspaceId, x.TargetKey });
        builder.HasIndex(x => new { x.WorkspaceId, x.CreatedAtUtc });
        builder.HasIndex(x => x.RunId);
        builder.HasIndex(x => x.ParentId);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(x => x.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Dataset>().WithMany().HasForeignKey(x => x.DatasetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Annotation>().WithMany().HasForeignKey(x => x.ParentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(x => x.Revisions).WithOne().HasForeignKey(x => x.AnnotationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(x => x.Mentions).WithOne().HasForeignKey(x => x.AnnotationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AnnotationRevisionConfiguration : IEntityTypeConfiguration<AnnotationRevision>
{
    public void Configure(EntityTypeBuilder<AnnotationRevision> builder) =>
        builder.Property(x => x.Body).HasMaxLength(Annotation.MaxBodyLength);
}

internal sealed class AnnotationMentionConfiguration : IEntityTypeConfiguration<AnnotationMention>
{
    public void Configure(EntityTypeBuilder<AnnotationMention> builder)
    {
        builder.Property(x => x.UserId).HasMaxLength(450);
        builder.HasIndex(x => new { x.UserId, x.WorkspaceId, x.ReadAtUtc });
        builder.HasIndex(x => new { x.AnnotationId, x.UserId }).IsUnique();
    }
}
