using NeuroLab.Compute.RunKinds.Reconstruction;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Runs;
using NeuroLab.Web.Reconstructions;

namespace NeuroLab.Web.Tests.Reconstructions;

/// <summary>Reading metrics.csv by header name, and which runs can be compared image by image.</summary>
public sealed class ReconstructionGalleryTests
{
    private static RunSummary Run(Guid dataset) => new(Guid.NewGuid(), Guid.NewGuid(), null, dataset, "reconstruction-ridge", RunStatus.Succeeded, "{}", 0, null, "", null, null, null, 1, "alice", DateTime.UtcNow, null, null);

    private static ReconstructionGallery Gallery(RunSummary run, int[] stimuli, int side = 28) =>
        new(run, stimuli.Length, side, side, new float[stimuli.Length * side * side], new float[stimuli.Length * side * side], stimuli, [], [], null, null);

    [Fact]
    public void ParseMetrics_RidgeColumns_ReadByName_EmptyCellIsNaN()
    {
        var (metrics, rows) = ReconstructionGallery.ParseMetrics("index,pixcorr,ssim,mse,identification_pixels,stimulus\n0,0.5,0.25,0.01,1,digit_6\n1,,0.1,0.02,0.5,\"six, again\"\n");

        Assert.Equal(["pixcorr", "ssim", "mse", "identification_pixels"], metrics);
        Assert.Equal(2, rows.Count);
        Assert.Equal(0.25, rows[0].Values["ssim"]);
        Assert.Equal("digit_6", rows[0].Stimulus);
        Assert.True(double.IsNaN(rows[1].Values["pixcorr"]));
        Assert.Equal("six, again", rows[1].Stimulus);
    }

    [Fact]
    public void ParseMetrics_RetrievalColumnsInAnotherOrder_ReadByName()
    {
        var (metrics, rows) = ReconstructionGallery.ParseMetrics("stimulus,index,mse,top5,retrieval_rank,top1\r\na,1,0.5,1,2,0\r\n");

        Assert.Equal(["mse", "top5", "retrieval_rank", "top1"], metrics);
        Assert.Equal(1, rows[0].Index);
        Assert.Equal(2, rows[0].Values["retrieval_rank"]);
        Assert.Equal(0, rows[0].Values["top1"]);
        Assert.Equal("a", rows[0].Stimulus);
    }

    [Fact]
    public void WhyNotComparable_SameTestImages_Null_OtherwiseSaysWhy()
    {
        var dataset = Guid.NewGuid();
        var a = Gallery(Run(dataset), [3, 7, 9]);

        Assert.Null(ReconstructionGalleryService.WhyNotComparable(a, Gallery(Run(dataset), [3, 7, 9])));
        Assert.Contains("different images", ReconstructionGalleryService.WhyNotComparable(a, Gallery(Run(dataset), [3, 7, 8])), StringComparison.Ordinal);
        Assert.Contains("different images", ReconstructionGalleryService.WhyNotComparable(a, Gallery(Run(dataset), [3, 7])), StringComparison.Ordinal);
        Assert.Contains("different datasets", ReconstructionGalleryService.WhyNotComparable(a, Gallery(Run(Guid.NewGuid()), [3, 7, 9])), StringComparison.Ordinal);
        Assert.Contains("resolutions", ReconstructionGalleryService.WhyNotComparable(a, Gallery(Run(dataset), [3, 7, 9], 16)), StringComparison.Ordinal);
    }

    [Fact]
    public void Retrieved_TestImageOrPoolCandidate_ShowsTheRightPixels()
    {
        // Two 1x2 test images; image 0 retrieved test image 1, image 1 retrieved pool candidate 5 (beyond the test images).
        float[] targets = [0.1f, 0.2f, 0.3f, 0.4f];
        float[] recon = [0.5f, 0.6f, 0.7f, 0.8f];
        ReconstructionItem[] items = [new(0, "a", new Dictionary<string, double>(), 1, "#1 b"), new(1, "b", new Dictionary<string, double>(), 5, "pool: x")];
        var retrieval = new ReconstructionGallery(Run(Guid.NewGuid()), 2, 1, 2, targets, recon, [0, 1], [], items,
            new ReconstructionScores { RetrievalBy = "gabor features among the test images and 4 pool images", RetrievalCandidates = 6 }, 6);

        Assert.True(retrieval.ReconstructionIsRetrieved);
        Assert.True(retrieval.ShowsRetrieved);
        Assert.Equal([0.3f, 0.4f], retrieval.Image(0, GalleryImage.Retrieved).ToArray());
        // A pool candidate is shown by the reconstruction, which is that candidate's image.
        Assert.Equal([0.7f, 0.8f], retrieval.Image(1, GalleryImage.Retrieved).ToArray());

        var byPixels = retrieval with { Scores = new ReconstructionScores { RetrievalBy = RetrievalResult.PixelsAmongTestImages, RetrievalCandidates = 2 } };
        Assert.False(byPixels.ReconstructionIsRetrieved);
        Assert.Throws<ArgumentException>(() => byPixels.Image(1, GalleryImage.Retrieved).ToArray());
    }
}
