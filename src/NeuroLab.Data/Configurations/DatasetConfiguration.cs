using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Data.Configurations;

internal sealed class DatasetConfiguration : IEntityTypeConfiguration<Dataset>
{
    public void Configure(EntityTypeBuilder<Dataset> builder)
    {
        builder.Property(x => x.Name).HasMaxLength(Dataset.MaxNameLength).IsRequired();
        builder.Property(x => x.Space).HasConversion<string>().HasMaxLength(16);
        builder.Property(x => x.SampleKey).HasMaxLength(64);
        builder.HasIndex(x => x.WorkspaceId);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(x => x.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(x => x.Files).WithOne(f => f.Dataset).HasForeignKey(f => f.DatasetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(x => x.Stimuli).WithOne().HasForeignKey(s => s.DatasetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(x => x.ResponseSets).WithOne().HasForeignKey(r => r.DatasetId).OnDelete(DeleteBehavior.Cascade);
    }
}
