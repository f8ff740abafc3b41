using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Reconstruction;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.Reconstruction;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Images;
using static TorchSharp.torch;

namespace NeuroLab.Compute.RunKinds.ReconstructionFeatures;

/// <summary>The artifacts a reconstruction-features run writes besides the common ones.</summary>
public static class ReconstructionFeaturesArtifacts
{
    public static readonly ArtifactSpec Candidates = new("candidates.json", ArtifactRole.Document,
        "The retrieval candidates in order: the test images, then the pool dataset's images (source test/pool, stimulus name, image sha256).");

    public static IReadOnlyList<ArtifactSpec> All { get; } = [.. ReconstructionArtifacts.Common, Candidates];
}

/// <summary>One retrieval candidate: where it comes from, its stimulus name and its image.</summary>
public sealed record RetrievalCandidate(string Source, string Stimulus, string ImageSha256);

/// <summary>
/// Decoding into a feature space, then retrieval (the identification approach of Kay et al. 2008 and the retrieval
/// columns of MindEye): each feature of the stimulus images in a feature space (Gabor, PCA, pixels, a network stage,
/// an uploaded model) is a ridge regression on all units' responses, each feature's alpha chosen by cross-validated R²;
/// the predicted features of each test image are correlated (Pearson, features z-scored with the training stimuli's
/// means and deviations) with the features of every candidate image (the test images, plus another dataset's images as
/// distractors), and the top-ranked candidate's image is the reconstruction, scored like every reconstruction.
/// </summary>
public sealed class ReconstructionFeaturesJob(
    IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, FeatureSpaceRegistry features, EncodingSamples data, EncodingRidgeJob ridge,
    Features.ResNet18.ResNet18Model? network = null)
    : IRunJob<ReconstructionFeaturesParameters, ReconstructionFeaturesSummary>
{
    /// <summary>Most distractor images of a pool dataset.</summary>
    public const int MaxPoolImages = 20_000;

    public static RunKindInfo Info { get; } = new(
        RunKindNames.ReconstructionFeatures,
        "Reconstruction: features and retrieval",
        "Decodes the seen image's features in a feature space (ridge per feature, alpha by cross-validation), then retrieves " +
        "the best-matching candidate image (the test images, or another dataset's images as distractors); scored with top-1/top-5 " +
        "retrieval, PixCorr, SSIM, MSE and 2-way identification.",
        RunInput.ResponseSet,
        ReconstructionFeaturesArtifacts.All)
    {
        Order = 31,
    };

    /// <summary>The feature space a run decodes: the one named, else the network's layer2 when the server has it, else gabor.</summary>
    public string FeaturesOf(ReconstructionFeaturesParameters p) =>
        p.Features ?? (features.TryGet(ReconstructionFeaturesParameters.DefaultNetworkFeatures, out _)
            ? ReconstructionFeaturesParameters.DefaultNetworkFeatures : ReconstructionFeaturesParameters.FallbackFeatures);

    public async Task<ReconstructionFeaturesParameters> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct)
    {
        var empty = new ReconstructionFeaturesParameters();
        if (request.ResponseSetId is not { } set)
        {
            return empty with { Features = FeaturesOf(empty) };
        }
        var defaults = await EncodingRidgeDefaults.ForAsync(dbFactory, store, request.DatasetId, set, ct);
        return new ReconstructionFeaturesParameters { Features = FeaturesOf(empty), Folds = defaults.Folds, Split = defaults.Split, Samples = defaults.Samples };
    }

    public string Describe(ReconstructionFeaturesParameters parameters) =>
        $"{FeaturesOf(parameters)} + retrieval ({(parameters.EffectivePool == "dataset" ? "test + pool dataset" : "test images")})";

    public async Task ValidateAsync(ReconstructionFeaturesParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(submission);
        RunParameterChecks.InRange(problems, "resolution", p.Resolution, ReconstructionRidge.ReconstructionRidgeParameters.MinResolution, ReconstructionRidge.ReconstructionRidgeParameters.MaxResolution);
        problems.OneOf("pool", p.EffectivePool, ("test", "the test images"), ("dataset", "the test images plus another dataset's images (poolDatasetId)"));
        string space = FeaturesOf(p);
        // Samples, split, folds, alphas and the feature space (unknown names answer 400) are checked as encoding-ridge checks them.
        var encoding = new RunProblems();
        await ridge.ValidateAsync(p.Encoding(space), submission, encoding, ct);
        problems.Include(encoding);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await ReconstructionChecks.StimulusImagesAsync(db, store, submission.DatasetId, problems, ct);
        if (p.EffectivePool == "test" && p.PoolDatasetId is not null)
        {
            problems.Add("poolDatasetId is only read with pool = \"dataset\"; leave pool out or set it to \"dataset\".");
        }
        if (p.EffectivePool != "dataset")
        {
            return;
        }
        if (p.PoolDatasetId is not { } poolId)
        {
            problems.Add("pool = \"dataset\" needs poolDatasetId: another dataset of this workspace whose stimulus images are the distractors.");
            return;
        }
        if (poolId == submission.DatasetId)
        {
            problems.Add("poolDatasetId must be another dataset (the run's own test images are always candidates).");
            return;
        }
        if (!await db.Datasets.AnyAsync(d => d.Id == poolId && d.WorkspaceId == submission.WorkspaceId, ct))
        {
            problems.Add($"poolDatasetId: dataset {poolId} was not found in this workspace.");
            return;
        }
        int poolImages = await db.Stimuli.CountAsync(s => s.DatasetId == poolId && s.ImageSha256 != null, ct);
        if (poolImages == 0)
        {
            problems.Add("poolDatasetId: the pool dataset has no stimulus images to retrieve.");
        }
        RunParameterChecks.InRange(problems, "the pool dataset's images", poolImages, 0, MaxPoolImages);
        if (features.TryGet(space, out var s) && !s.NeedsImages)
        {
            problems.Add($"features: '{space}' is not computed from the images, so the pool's images have no features in it; choose an image feature space (gabor, pca, pixels, resnet18:*, torchscript, onnx).");
        }
    }

    public async Task<ReconstructionFeaturesSummary> ExecuteAsync(ReconstructionFeaturesParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        string space = FeaturesOf(p);
        var encoding = p.Encoding(space);
        Data.Datasets.ResponseSet set;
        List<(string Name, string? Sha, string? Split, string? Label)> stimuli;
        List<(string Name, string Sha)> pool = [];
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            set = await db.ResponseSets.SingleAsync(r => r.Id == p.ResponseSetId, ct);
            stimuli = await EncodingSamples.StimuliAsync(db, context.Run.DatasetId, ct);
            if (p.EffectivePool == "dataset" && p.PoolDatasetId is { } poolId)
            {
                pool = [.. (await db.Stimuli.Where(s => s.DatasetId == poolId && s.ImageSha256 != null).OrderBy(s => s.Index).Select(s => new { s.Name, s.ImageSha256 }).ToListAsync(ct))
                    .Select(s => (s.Name, s.ImageSha256!))];
            }
        }
        var samples = await data.SamplesAsync(encoding, set, stimuli, context.Run.Seed, ct);
        using var scope = NewDisposeScope();
        var own = await EncodingJobSupport.LoadImagesAsync(store, context, [.. stimuli.Select(s => s.Sha!)], ct);
        int h = (int)own.shape[1], w = (int)own.shape[2];
        // The pool's images on the stimuli's grid, so one feature computation (PCA fitted on the training stimuli only) covers all.
        var images = pool.Count == 0 ? own : cat([own, await LoadPoolAsync(pool, h, w, context, ct)], 0);
        int side = Math.Min(h, w);
        int resolution = ReconstructionRidge.ReconstructionRidgeParameters.GridSide(p.Resolution, side);
        int size = FeatureInput.WorkingSize(p.ImageSize, side);
        int n = stimuli.Count;

        var (trainStimuli, testStimuli) = samples.StimulusRows();
        context.Report("features", 0, 1);
        var (trainFeatures, allFeatures, description) = await data.FeaturesAsync(space, encoding, context, images, size, trainStimuli, arange(images.shape[0], dtype: ScalarType.Int64),
            [.. stimuli.Select(s => s.Label), .. pool.Select(_ => (string?)null)], [.. stimuli.Select(s => s.Sha), .. pool.Select(x => (string?)x.Sha)]);
        trainFeatures = trainFeatures.to_type(ScalarType.Float32);
        allFeatures = allFeatures.to_type(ScalarType.Float32);
        int d = (int)allFeatures.shape[1];
        await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
            $"{samples.Description}; decoding {space} ({description}; {d} features) from {samples.Responses.Shape[1]} units; candidates: the test images{(pool.Count > 0 ? $" + {pool.Count} pool images" : "")}."));

        // Features z-scored with the training rows' statistics; one prediction per test image (single-trial predictions of the
        // same stimulus averaged), in the dataset's test order.
        var scaling = FeatureScaling.FromTraining(trainFeatures);
        var zAll = scaling.Standardise(allFeatures);
        using var decoded = RidgeDecoding.Decode(samples, encoding, scaling.Standardise(trainFeatures), zAll.index_select(0, testStimuli), "features", context);
        var (order, predicted, fit) = decoded;
        // Candidates: the test images (candidate i is test image i), then the pool's images.
        var candidateRows = tensor([.. order, .. Enumerable.Range(n, pool.Count).Select(i => (long)i)], ScalarType.Int64);
        int m = (int)candidateRows.shape[0];
        var candidateFeatures = zAll.index_select(0, candidateRows).contiguous().data<float>().ToArray();
        context.Report("retrieving", 0, 1);
        var ranks = ReconstructionMetrics.RetrievalRank(predicted, candidateFeatures, order.Length, m, d, [.. Enumerable.Range(0, order.Length)]);
        var retrieved = ReconstructionMetrics.TopCandidate(predicted, candidateFeatures, order.Length, m, d);

        // The reconstruction of each test image is its top candidate's image on the test images' grid.
        var grid = ReconstructionRidge.ReconstructionRidgeJob.Resize(images.index_select(0, candidateRows), resolution).contiguous().data<float>().ToArray();
        int pixels = resolution * resolution;
        var reconstructions = new float[order.Length * pixels];
        var targets = new float[order.Length * pixels];
        for (int i = 0; i < order.Length; i++)
        {
            // A constant prediction retrieves nothing (-1): its reconstruction stays blank.
            if (retrieved[i] >= 0)
            {
                Array.Copy(grid, (long)retrieved[i] * pixels, reconstructions, (long)i * pixels, pixels);
            }
            Array.Copy(grid, (long)i * pixels, targets, (long)i * pixels, pixels);
        }
        context.Report("scoring", 0, 1);
        var scores = await ReconstructionOutputs.WriteAsync(context, reconstructions, targets, order.Length, resolution, resolution,
            [.. order.Select(o => (int)o)], [.. stimuli.Select(s => s.Name)], new RetrievalResult(ranks, retrieved, m, $"{space} features among the test images" + (pool.Count > 0 ? $" and {pool.Count} pool images" : "")), network);
        var candidates = order.Select(o => new RetrievalCandidate("test", stimuli[(int)o].Name, stimuli[(int)o].Sha!))
            .Concat(pool.Select(x => new RetrievalCandidate("pool", x.Name, x.Sha))).ToList();
        await context.SaveFileAsync(ReconstructionFeaturesArtifacts.Candidates, s => JsonSerializer.Serialize(s, candidates, JsonOptions), [m]);
        await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
            $"Retrieval among {m} candidates: top-1 {scores.Top1:0.000} (chance {scores.Top1Chance:0.0000}), top-5 {scores.Top5:0.000}; PixCorr {scores.PixCorr}, SSIM {scores.Ssim}, MSE {scores.Mse}."));
        context.Report("scoring", 1, 1);
        return new ReconstructionFeaturesSummary
        {
            Scores = scores,
            Features = space,
            FeatureDescription = description,
            FeatureCount = d,
            Pool = p.EffectivePool,
            PoolImages = pool.Count,
            MedianFeatureTestR2 = Median(fit.TestR2),
            MeanFeatureTestR = EncodingJobSupport.FiniteMean(fit.TestR),
            Units = (int)samples.Responses.Shape[1],
            TrainSamples = samples.TrainRows.Length,
            TestSamples = samples.TestRows.Length,
            MedianAlpha = fit.BestAlpha.Order().ElementAt(fit.BestAlpha.Count / 2),
        };
    }

    private static double Median(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).Order().ToArray();
        return finite.Length == 0 ? double.NaN : finite.Length % 2 == 1 ? finite[finite.Length / 2] : (finite[finite.Length / 2 - 1] + finite[finite.Length / 2]) / 2;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The pool's images, greyscale, read at <paramref name="h"/> x <paramref name="w"/> (the stimuli's grid).</summary>
    private async Task<Tensor> LoadPoolAsync(IReadOnlyList<(string Name, string Sha)> pool, int h, int w, RunContext context, CancellationToken ct)
    {
        var result = new float[(long)pool.Count * h * w];
        for (int i = 0; i < pool.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var image = ImageReader.Read(store.LocalPath(pool[i].Sha), new ImageReadOptions { Color = ImageColorMode.Grayscale, Width = w, Height = h });
            image.ToFloat32().AsSpan().CopyTo(result.AsSpan((int)((long)i * h * w), h * w));
            if (i % 100 == 0)
            {
                context.Report("loading pool", i, pool.Count);
                await Task.Yield();
            }
        }
        return tensor(result, [pool.Count, h, w]);
    }
}
