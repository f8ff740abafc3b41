using NeuroLab.Formats;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.RunKinds.Reconstruction;
using System.Globalization;
using System.Text.Json;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.ReconstructionRidge;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.EncodingModels;
using NeuroLab.Data.Runs;

namespace NeuroLab.Compute.Tests.Reconstruction;

/// <summary>
/// reconstruction-ridge on the van Gerven digits (90/10 split of Du et al. 2017): runs with only the response set given,
/// writes the common artifacts, and its metrics.csv agrees with metrics recomputed here from reconstructions.npy and
/// targets.npy (Pearson r and MSE written out by hand).
/// </summary>
public sealed class ReconstructionRidgeJobTests : IAsyncLifetime
{
    private RunHarness _h = default!;

    public async Task InitializeAsync() => _h = await RunHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Digits_OnlyResponseSet_DecodesTheTenTestDigits_MetricsFileAgreesWithTheImages()
    {
        var digits = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "vangerven-digits");
        var voxels = (await _h.F.Datasets.GetAsync(_h.F.Alice, digits)).ResponseSets[0];

        var run = await _h.RunToEndAsync(digits, RunKindNames.ReconstructionRidge, new { responseSetId = voxels.Id }, seed: 1);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Console.WriteLine($"Digits, ridge to pixels: {run.SummaryJson}");
        var recon = await _h.ArtifactAsync(run.Id, "reconstructions.npy");
        var targets = await _h.ArtifactAsync(run.Id, "targets.npy");
        Assert.Equal([10L, 28, 28], recon.Shape);
        Assert.Equal(recon.Shape, targets.Shape);
        var r = recon.ToFloat64();
        var t = targets.ToFloat64();
        Assert.All(r, v => Assert.InRange(v, 0, 1));

        var rows = (await _h.ArtifactTextAsync(run.Id, "metrics.csv")).Trim().Split('\n');
        Assert.Equal("index,pixcorr,ssim,mse,identification_pixels,retrieval_rank,top1,top5,stimulus", rows[0]);
        Assert.Equal(11, rows.Length);
        var pixCorr = new double[10];
        var retrieved = (await _h.ArtifactAsync(run.Id, "retrieved_index.npy")).ToFloat64();
        for (int i = 0; i < 10; i++)
        {
            var cells = rows[i + 1].Split(',');
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), cells[0]);
            var (a, b) = (r.AsSpan(i * 784, 784).ToArray(), t.AsSpan(i * 784, 784).ToArray());
            pixCorr[i] = Pearson(a, b);
            Assert.Equal(pixCorr[i], double.Parse(cells[1], CultureInfo.InvariantCulture), 1e-6);
            Assert.Equal(a.Zip(b).Average(p => (p.First - p.Second) * (p.First - p.Second)), double.Parse(cells[3], CultureInfo.InvariantCulture), 1e-6);
            // Retrieval by pixels among the ten test images, recomputed by hand: the rank of the own target among the
            // targets by Pearson r with the reconstruction (ties against it), and the target ranked first.
            var byTarget = Enumerable.Range(0, 10).Select(j => Pearson(a, t.AsSpan(j * 784, 784).ToArray())).ToArray();
            int rank = 1 + Enumerable.Range(0, 10).Count(j => j != i && byTarget[j] >= byTarget[i]);
            Assert.Equal(rank, int.Parse(cells[5], CultureInfo.InvariantCulture));
            Assert.Equal(rank == 1 ? "1" : "0", cells[6]);
            Assert.Equal(Array.IndexOf(byTarget, byTarget.Max()), (int)retrieved[i]);
        }
        var summary = Assert.IsType<ReconstructionRidgeSummary>(_h.Runs.Kinds.Get(RunKindNames.ReconstructionRidge).ReadSummary(run.SummaryJson));
        Assert.Equal(28, summary.Resolution);
        Assert.Equal(90, summary.TrainSamples);
        Assert.Equal(pixCorr.Average(), summary.Scores.PixCorr.Mean, 1e-6);
        Assert.InRange(summary.Scores.PixCorr.Mean, summary.Scores.PixCorr.Low, summary.Scores.PixCorr.High);
        // A linear decoder of V1-V3 recovers the digits well above chance: published linear baselines on this split reach
        // PixCorr .77 (Miyawaki fixed bases); the pixel ridge is asserted loosely.
        Assert.InRange(summary.Scores.PixCorr.Mean, 0.5, 1);
        Assert.InRange(summary.Scores.IdentificationPixels.Mean, 0.7, 1);
        Assert.StartsWith("PixCorr ", summary.Headline(), StringComparison.Ordinal);
        Assert.Equal(10, summary.Scores.RetrievalCandidates);
        Assert.Equal(RetrievalResult.PixelsAmongTestImages, summary.Scores.RetrievalBy);
        Assert.Equal(rows.Skip(1).Count(row => row.Split(',')[6] == "1") / 10.0, summary.Scores.Top1!.Value, 1e-12);
        var testIndex = (await _h.ArtifactAsync(run.Id, "test_stimulus_index.npy")).ToFloat64();
        Assert.Equal(10, testIndex.Distinct().Count());
    }

    [Fact]
    public async Task Validate_DatasetWithoutImages_AndATooSmallResolution_AreRefusedBeforeQueueing()
    {
        var haxby = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "haxby2001-sub1");
        var set = (await _h.F.Datasets.GetAsync(_h.F.Alice, haxby)).ResponseSets[0];

        var refused = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, haxby, RunKindNames.ReconstructionRidge,
            JsonSerializer.SerializeToElement(new { responseSetId = set.Id, resolution = 4 })));

        Assert.Contains(refused.Problems, p => p.StartsWith("resolution must be between 11 and 128", StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p.Contains("image", StringComparison.OrdinalIgnoreCase));
    }

    private static double Pearson(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            (sab, saa, sbb) = (sab + (a[i] - ma) * (b[i] - mb), saa + (a[i] - ma) * (a[i] - ma), sbb + (b[i] - mb) * (b[i] - mb));
        }
        return sab / Math.Sqrt(saa * sbb);
    }

    [Theory]
    [InlineData(RunKindNames.ReconstructionRidge)]
    [InlineData(RunKindNames.ReconstructionFeatures)]
    [InlineData(RunKindNames.ReconstructionDecoder)]
    public async Task Validate_ImagesOfDifferentSizes_AreRefusedBeforeQueueing_NamingTheSizes(string kind)
    {
        var digits = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "vangerven-digits");
        var voxels = (await _h.F.Datasets.GetAsync(_h.F.Alice, digits)).ResponseSets[0];
        // One stimulus's image becomes a 40 wide, 32 high PNG: the other 99 stay 28x28.
        var odd = NeuroLab.Formats.Images.ImageThumbnail.EncodePng(new NumericArray(NumericType.Float32, [32, 40, 1], new float[32 * 40]), 64);
        var blob = await _h.F.Store.AddAsync(new MemoryStream(odd));
        await using (var db = await _h.F.Database.Factory.CreateDbContextAsync())
        {
            var first = await db.Stimuli.Where(s => s.DatasetId == digits).OrderBy(s => s.Index).FirstAsync();
            first.ImageSha256 = blob.Sha256;
            await db.SaveChangesAsync();
        }
        int before;
        await using (var db = await _h.F.Database.Factory.CreateDbContextAsync())
        {
            before = await db.Runs.CountAsync();
        }

        var refused = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, digits, kind,
            JsonSerializer.SerializeToElement(new { responseSetId = voxels.Id })));

        var problem = Assert.Single(refused.Problems, p => p.Contains("one size", StringComparison.Ordinal));
        Assert.Contains("99 image(s) of 28x28", problem, StringComparison.Ordinal);
        Assert.Contains("1 image(s) of 40x32", problem, StringComparison.Ordinal);
        await using (var db = await _h.F.Database.Factory.CreateDbContextAsync())
        {
            Assert.Equal(before, await db.Runs.CountAsync());
        }
    }
}
