using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Reconstruction;
using NeuroLab.Compute.Features.ResNet18;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.Runs;
using NeuroLab.Formats;

namespace NeuroLab.Compute.RunKinds.Reconstruction;

/// <summary>The artifacts every reconstruction kind writes (the contract of the gallery and of external scripts).</summary>
public static class ReconstructionArtifacts
{
    public static readonly ArtifactSpec Reconstructions = new("reconstructions.npy", ArtifactRole.ImageSet,
        "float32 [test images, h, w] in 0..1, greyscale, in the dataset's test order.");
    public static readonly ArtifactSpec Targets = new("targets.npy", ArtifactRole.ImageSet,
        "The original test images on the same grid, float32 [test images, h, w] in 0..1.");
    public static readonly ArtifactSpec Metrics = new("metrics.csv", ArtifactRole.Table,
        "One row per test image: index, pixcorr, ssim, mse, identification_pixels, then identification_resnet18_layer1 and identification_resnet18_layer4 when the server has the network, then retrieval_rank, top1, top5 (the kind's own retrieval, else by pixels among the test images), then stimulus.");
    public static readonly ArtifactSpec TestStimulusIndex = new("test_stimulus_index.npy", ArtifactRole.Matrix,
        "The stimulus (dataset order) of each test image [test images].");
    public static readonly ArtifactSpec RetrievedIndex = new("retrieved_index.npy", ArtifactRole.Matrix,
        "Per test image, the candidate ranked first, int32 [test images]: for kinds that retrieve, an index into candidates.json; " +
        "for the others, the test image whose pixels correlate best with the reconstruction.");

    /// <summary>The artifacts of every reconstruction kind, for the kind's declaration.</summary>
    public static IReadOnlyList<ArtifactSpec> Common { get; } = [Reconstructions, Targets, Metrics, TestStimulusIndex, RetrievedIndex];
}

/// <summary>
/// The result of any reconstruction kind: its summary record carries the scores over the test images, so galleries,
/// comparisons and leaderboards read any reconstruction run through its kind (<see cref="IRunKind.ReadSummary"/>)
/// without knowing the kind.
/// </summary>
public interface IReconstructionResult
{
    /// <summary>The scores over the test images.</summary>
    ReconstructionScores Scores { get; }
}

/// <summary>A metric's mean over the test images with its bootstrap 95% interval (NaN where undefined).</summary>
public sealed record MetricSummary(double Mean, double Low, double High)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Mean:0.000} [{Low:0.000}, {High:0.000}]");
}

/// <summary>
/// The scores of a reconstruction run over its test images (Du et al. 2017's table reports PixCorr, MSE and SSIM; MindEye's
/// 2-way identification; retrieval among candidates): means with bootstrap 95% intervals over test images.
/// </summary>
public sealed record ReconstructionScores
{
    public int TestImages { get; init; }

    public int Height { get; init; }

    public int Width { get; init; }

    public MetricSummary PixCorr { get; init; } = new(double.NaN, double.NaN, double.NaN);

    public MetricSummary Ssim { get; init; } = new(double.NaN, double.NaN, double.NaN);

    public MetricSummary Mse { get; init; } = new(double.NaN, double.NaN, double.NaN);

    /// <summary>2-way identification in pixel space (chance 0.5).</summary>
    public MetricSummary IdentificationPixels { get; init; } = new(double.NaN, double.NaN, double.NaN);

    /// <summary>2-way identification in ResNet-18 layer1's features (MindEye's AlexNet(2) role; null without the network).</summary>
    public MetricSummary? IdentificationEarly { get; init; }

    /// <summary>2-way identification in ResNet-18 layer4's features (MindEye's AlexNet(5) role; null without the network).</summary>
    public MetricSummary? IdentificationLate { get; init; }

    /// <summary>Candidates of the retrieval (null when the kind does not retrieve).</summary>
    public int? RetrievalCandidates { get; init; }

    /// <summary>Fraction of test images whose own image is the top candidate (null without retrieval).</summary>
    public double? Top1 { get; init; }

    /// <summary>Fraction within the top five.</summary>
    public double? Top5 { get; init; }

    /// <summary>Chance of top-1: 1 / candidates.</summary>
    public double? Top1Chance { get; init; }

    /// <summary>What was compared in the retrieval (e.g. "pixels among the test images", "resnet18:layer2 features among ...").</summary>
    public string? RetrievalBy { get; init; }

    /// <summary>The one-line result: the three numbers of the published digits table (and top-1 for kinds that retrieve).</summary>
    public string Headline() => string.Create(CultureInfo.InvariantCulture,
        $"PixCorr {PixCorr.Mean:0.000} · SSIM {Ssim.Mean:0.000} · MSE {Mse.Mean:0.000}") +
        (Top1 is { } top1 && RetrievalBy != RetrievalResult.PixelsAmongTestImages ? string.Create(CultureInfo.InvariantCulture, $" · top-1 {top1:P0} of {RetrievalCandidates}") : "");
}

/// <summary>
/// Retrieval results to add to the metrics: per test image the 1-based rank of its own candidate among
/// <paramref name="Candidates"/> and the candidate ranked first; <paramref name="By"/> says what was compared.
/// </summary>
public sealed record RetrievalResult(int[] Ranks, int[] Retrieved, int Candidates, string By)
{
    /// <summary>What "retrieval" means for kinds that decode pixels.</summary>
    public const string PixelsAmongTestImages = "pixels among the test images";

    /// <summary>
    /// Retrieval of each test image by its reconstruction among all test images (the N-way identification of Kay et al.
    /// 2008 in pixel space): candidates ranked by the Pearson correlation of their pixels with the reconstruction.
    /// </summary>
    public static RetrievalResult ByPixels(ReadOnlySpan<float> reconstructions, ReadOnlySpan<float> targets, int n, int pixels) =>
        new(ReconstructionMetrics.RetrievalRank(reconstructions, targets, n, n, pixels, [.. Enumerable.Range(0, n)]),
            ReconstructionMetrics.TopCandidate(reconstructions, targets, n, n, pixels), n, PixelsAmongTestImages);
}

/// <summary>The checks every reconstruction kind makes before a run is queued.</summary>
public static class ReconstructionChecks
{
    /// <summary>Width and height of stored images by SHA-256 (immutable blobs; a few dozen bytes per image).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int Width, int Height)> ImageSizes = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds a problem and returns false when a stimulus of the dataset has no image (there is nothing to reconstruct it
    /// against) or when the images differ in size (reconstructions and targets share one grid; images of other sizes
    /// would be stretched without anyone noticing). Only the images' headers are read.
    /// </summary>
    public static async Task<bool> StimulusImagesAsync(Data.NeuroLabDbContext db, Data.Storage.ContentStore store, Guid datasetId, RunProblems problems, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(problems);
        var images = await db.Stimuli.Where(s => s.DatasetId == datasetId).OrderBy(s => s.Index).Select(s => new { s.Name, s.ImageSha256 }).ToListAsync(ct);
        int without = images.Count(s => s.ImageSha256 is null);
        if (without > 0)
        {
            problems.Add($"Reconstruction needs the image of every stimulus: {without} of {images.Count} stimuli have none.");
            return false;
        }
        var sizes = new Dictionary<(int Width, int Height), (int Count, string First)>();
        foreach (var image in images.DistinctBy(s => s.ImageSha256))
        {
            ct.ThrowIfCancellationRequested();
            // Blobs are content-addressed, so an image's size never changes: each header is read once per process.
            if (!ImageSizes.TryGetValue(image.ImageSha256!, out var size))
            {
                try
                {
                    var info = Formats.Images.ImageReader.ReadInfo(store.LocalPath(image.ImageSha256!));
                    size = (info.Width, info.Height);
                }
                catch (Exception e) when (e is FormatReadException or IOException or UnauthorizedAccessException)
                {
                    problems.Add($"The image of stimulus '{image.Name}' cannot be read (it is missing or damaged in the server's store); re-import the dataset.");
                    return false;
                }
                ImageSizes.TryAdd(image.ImageSha256!, size);
            }
            sizes[size] = sizes.TryGetValue(size, out var seen) ? (seen.Count + 1, seen.First) : (1, image.Name);
        }
        if (sizes.Count <= 1)
        {
            return true;
        }
        problems.Add("Reconstruction needs stimulus images of one size (reconstructions and originals share one grid); this dataset's differ: " +
            string.Join(", ", sizes.OrderByDescending(x => x.Value.Count).Take(4).Select(x =>
                string.Create(CultureInfo.InvariantCulture, $"{x.Value.Count} image(s) of {x.Key.Width}x{x.Key.Height} (e.g. '{x.Value.First}')"))) +
            (sizes.Count > 4 ? $" and {sizes.Count - 4} more sizes" : "") + ". Import the images at one size.");
        return false;
    }
}

/// <summary>Scores reconstructions and writes the common artifacts.</summary>
public static class ReconstructionOutputs
{
    /// <summary>Resamples of the test images for the intervals.</summary>
    public const int Resamples = 1000;

    /// <summary>
    /// Scores <paramref name="reconstructions"/> against <paramref name="targets"/> (float32 [n, h, w], 0..1; the
    /// reconstructions are clipped to 0..1 first), writes reconstructions.npy, targets.npy, metrics.csv and
    /// test_stimulus_index.npy and retrieved_index.npy, and returns the scores. Without a kind's own
    /// <paramref name="retrieval"/>, each reconstruction retrieves among the test images by its pixels
    /// (<see cref="RetrievalResult.ByPixels"/>). With <paramref name="network"/> installed, 2-way identification
    /// in its early and late stages is added (<see cref="NetworkIdentification"/>).
    /// </summary>
    public static async Task<ReconstructionScores> WriteAsync(
        RunContext context, float[] reconstructions, float[] targets, int n, int h, int w, IReadOnlyList<int> testStimuli, IReadOnlyList<string> stimulusNames,
        RetrievalResult? retrieval = null, ResNet18Model? network = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(reconstructions);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(testStimuli);
        ArgumentNullException.ThrowIfNull(stimulusNames);
        for (int i = 0; i < reconstructions.Length; i++)
        {
            reconstructions[i] = float.IsFinite(reconstructions[i]) ? Math.Clamp(reconstructions[i], 0f, 1f) : 0f;
        }
        var pixCorr = ReconstructionMetrics.PixCorr(reconstructions, targets, n, h, w);
        var ssim = ReconstructionMetrics.Ssim(reconstructions, targets, n, h, w);
        var mse = ReconstructionMetrics.Mse(reconstructions, targets, n, h, w);
        var identification = ReconstructionMetrics.TwoWayIdentification(reconstructions, targets, n, h * w);
        var networkIdentification = NetworkIdentification.Compute(network, reconstructions, targets, n, h, w, context.Cancellation);
        retrieval ??= RetrievalResult.ByPixels(reconstructions, targets, n, h * w);
        ulong seed = (ulong)context.Run.Seed;

        await context.SaveArrayAsync(ReconstructionArtifacts.Reconstructions, new NumericArray(NumericType.Float32, [n, h, w], reconstructions));
        await context.SaveArrayAsync(ReconstructionArtifacts.Targets, new NumericArray(NumericType.Float32, [n, h, w], targets));
        await context.SaveArrayAsync(ReconstructionArtifacts.TestStimulusIndex, new NumericArray(NumericType.Int32, [n], testStimuli.ToArray()));
        await context.SaveArrayAsync(ReconstructionArtifacts.RetrievedIndex, new NumericArray(NumericType.Int32, [n], retrieval.Retrieved));
        await context.SaveFileAsync(ReconstructionArtifacts.Metrics, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            writer.WriteLine("index,pixcorr,ssim,mse,identification_pixels" +
                (networkIdentification is null ? "" : ",identification_resnet18_layer1,identification_resnet18_layer4") + ",retrieval_rank,top1,top5,stimulus");
            for (int i = 0; i < n; i++)
            {
                var row = new StringBuilder();
                row.Append(i.ToString(CultureInfo.InvariantCulture)).Append(',').Append(Number(pixCorr[i])).Append(',').Append(Number(ssim[i])).Append(',')
                    .Append(Number(mse[i])).Append(',').Append(Number(identification[i]));
                if (networkIdentification is { } byNetwork)
                {
                    row.Append(',').Append(Number(byNetwork.Early[i])).Append(',').Append(Number(byNetwork.Late[i]));
                }
                int rank = retrieval.Ranks[i];
                row.Append(',').Append(rank.ToString(CultureInfo.InvariantCulture)).Append(',').Append(rank == 1 ? '1' : '0').Append(',').Append(rank <= 5 ? '1' : '0');
                row.Append(',').Append(EncodingJobSupport.CsvField(stimulusNames[testStimuli[i]]));
                writer.WriteLine(row.ToString());
            }
        }, [n]);

        static MetricSummary Summary((double Mean, double Low, double High) m) => new(m.Mean, m.Low, m.High);
        return new ReconstructionScores
        {
            TestImages = n,
            Height = h,
            Width = w,
            PixCorr = Summary(ReconstructionMetrics.MeanWithInterval(pixCorr, Resamples, seed)),
            Ssim = Summary(ReconstructionMetrics.MeanWithInterval(ssim, Resamples, seed)),
            Mse = Summary(ReconstructionMetrics.MeanWithInterval(mse, Resamples, seed)),
            IdentificationPixels = Summary(ReconstructionMetrics.MeanWithInterval(identification, Resamples, seed)),
            IdentificationEarly = networkIdentification is { } early ? Summary(ReconstructionMetrics.MeanWithInterval(early.Early, Resamples, seed)) : null,
            IdentificationLate = networkIdentification is { } late ? Summary(ReconstructionMetrics.MeanWithInterval(late.Late, Resamples, seed)) : null,
            RetrievalCandidates = retrieval.Candidates,
            Top1 = retrieval.Ranks.Count(r => r == 1) / (double)n,
            Top5 = retrieval.Ranks.Count(r => r <= 5) / (double)n,
            Top1Chance = 1.0 / retrieval.Candidates,
            RetrievalBy = retrieval.By,
        };
    }

    private static string Number(double value) => double.IsFinite(value) ? value.ToString("G9", CultureInfo.InvariantCulture) : "";
}
