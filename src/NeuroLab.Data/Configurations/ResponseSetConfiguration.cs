using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NeuroLab.Data.Datasets;

namespace NeuroLab.Data.Configurations;

internal sealed class ResponseSetConfiguration : IEntityTypeConfiguration<ResponseSet>
{
    public void Configure(EntityTypeBuilder<ResponseSet> builder)
    {
        builder.Property(x => x.Name).HasMaxLength(200).IsRequired();
        builder.Property(x => x.UnitKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(x => x.ArraySha256).HasMaxLength(64).IsRequired();
        builder.Property(x => x.Provenance).HasMaxLength(32);
    }
}
