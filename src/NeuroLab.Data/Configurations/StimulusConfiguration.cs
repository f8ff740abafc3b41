using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NeuroLab.Data.Datasets;

namespace NeuroLab.Data.Configurations;

internal sealed class StimulusConfiguration : IEntityTypeConfiguration<Stimulus>
{
    public void Configure(EntityTypeBuilder<Stimulus> builder)
    {
        builder.Property(x => x.Name).HasMaxLength(300).IsRequired();
        builder.Property(x => x.Split).HasMaxLength(16);
        builder.HasIndex(x => new { x.DatasetId, x.Index }).IsUnique();
    }
}
