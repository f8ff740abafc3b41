using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NeuroLab.Data.Runs;

namespace NeuroLab.Data.Configurations;

internal sealed class RunLogEntryConfiguration : IEntityTypeConfiguration<RunLogEntry>
{
    public void Configure(EntityTypeBuilder<RunLogEntry> builder)
    {
        builder.Property(x => x.Level).HasMaxLength(16);
        builder.Property(x => x.Message).HasMaxLength(4000);
        builder.HasIndex(x => new { x.RunId, x.Id });
        builder.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}
