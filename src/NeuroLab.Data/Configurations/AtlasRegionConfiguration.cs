using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NeuroLab.Data.Datasets;

namespace NeuroLab.Data.Configurations;

internal sealed class AtlasRegionConfiguration : IEntityTypeConfiguration<AtlasRegion>
{
    public void Configure(EntityTypeBuilder<AtlasRegion> builder)
    {
        builder.Property(x => x.Name).HasMaxLength(200).IsRequired();
        builder.HasIndex(x => new { x.FileId, x.Value }).IsUnique();
        builder.HasOne<DatasetFile>().WithMany().HasForeignKey(x => x.FileId).OnDelete(DeleteBehavior.Cascade);
    }
}
