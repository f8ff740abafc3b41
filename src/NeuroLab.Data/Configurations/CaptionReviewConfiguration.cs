using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NeuroLab.Data.Captions;
using NeuroLab.Data.Runs;

namespace NeuroLab.Data.Configurations;

internal sealed class CaptionReviewConfiguration : IEntityTypeConfiguration<CaptionReview>
{
    public void Configure(EntityTypeBuilder<CaptionReview> builder)
    {
        builder.Property(x => x.UserId).HasMaxLength(450).IsRequired();
        builder.Property(x => x.Verdict).HasConversion<string>().HasMaxLength(16);
        builder.Property(x => x.Comment).HasMaxLength(2000);
        builder.HasIndex(x => new { x.RunId, x.Unit, x.UserId }).IsUnique();
        builder.HasOne<Run>().WithMany().HasForeignKey(x => x.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}
