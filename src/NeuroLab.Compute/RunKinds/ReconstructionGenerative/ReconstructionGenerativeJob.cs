using System.Globalization;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.Reconstruction;
using NeuroLab.Compute.RunKinds.ReconstructionRidge;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Storage;
using static TorchSharp.torch;

namespace NeuroLab.Compute.RunKinds.ReconstructionGenerative;

/// <summary>
/// The extension point for high-resolution generative reconstruction (MindEye/Brain-Diffuser style): an embedding of the
/// seen image is decoded from the responses (ridge per embedding dimension, as reconstruction-features decodes features)
/// and, optionally, a low-level pixel guess (ridge per pixel, as reconstruction-ridge); both go to the administrator's
/// external generator (<see cref="GeneratorClient"/>), and whatever images come back are scored like every
/// reconstruction. All batches are collected before anything is written, so a failed service leaves no scored artifacts.
/// </summary>
public sealed class ReconstructionGenerativeJob(
    IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, EncodingSamples data, EncodingRidgeJob ridge, GeneratorClient generator,
    Features.ResNet18.ResNet18Model? network = null)
    : IRunJob<ReconstructionGenerativeParameters, ReconstructionGenerativeSummary>
{
    public static RunKindInfo Info { get; } = new(
        RunKindNames.ReconstructionGenerative,
        "Reconstruction: external generator",
        "Decodes an embedding of the seen image (and a per-pixel ridge guess) from brain responses and sends them to the generative " +
        "service the administrator configured; the returned images are scored with PixCorr, SSIM, MSE and 2-way identification.",
        RunInput.ResponseSet,
        ReconstructionArtifacts.Common)
    {
        Order = 33,
    };

    public async Task<ReconstructionGenerativeParameters> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct)
    {
        if (request.ResponseSetId is not { } set)
        {
            return new ReconstructionGenerativeParameters();
        }
        var defaults = await EncodingRidgeDefaults.ForAsync(dbFactory, store, request.DatasetId, set, ct);
        return new ReconstructionGenerativeParameters { Folds = defaults.Folds, Split = defaults.Split, Samples = defaults.Samples };
    }

    public string Describe(ReconstructionGenerativeParameters parameters) =>
        $"{parameters.Features}{(parameters.LowLevel ? " + pixels" : "")} -> external generator";

    public async Task ValidateAsync(ReconstructionGenerativeParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(submission);
        if (!generator.Options.IsConfigured)
        {
            problems.Add($"No generative service is configured on this server: the administrator sets {GeneratorOptions.SectionName}:Endpoint.");
            return;
        }
        RunParameterChecks.InRange(problems, "size", p.Size, ReconstructionRidgeParameters.MinResolution, ReconstructionRidgeParameters.MaxResolution);
        // Samples, split, folds, alphas and the feature space (unknown names answer 400) are checked as encoding-ridge checks them.
        var encoding = new RunProblems();
        await ridge.ValidateAsync(p.Encoding(p.Features), submission, encoding, ct);
        problems.Include(encoding);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await ReconstructionChecks.StimulusImagesAsync(db, store, submission.DatasetId, problems, ct);
    }

    public async Task<ReconstructionGenerativeSummary> ExecuteAsync(ReconstructionGenerativeParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        var encoding = p.Encoding(p.Features);
        Data.Datasets.ResponseSet set;
        List<(string Name, string? Sha, string? Split, string? Label)> stimuli;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            set = await db.ResponseSets.SingleAsync(r => r.Id == p.ResponseSetId, ct);
            stimuli = await EncodingSamples.StimuliAsync(db, context.Run.DatasetId, ct);
        }
        var samples = await data.SamplesAsync(encoding, set, stimuli, context.Run.Seed, ct);
        using var scope = NewDisposeScope();
        var images = await EncodingJobSupport.LoadImagesAsync(store, context, [.. stimuli.Select(s => s.Sha!)], ct);
        int side = (int)Math.Min(images.shape[1], images.shape[2]);
        int size = ReconstructionRidgeParameters.GridSide(p.Size, side);
        var pixels = ReconstructionRidgeJob.Resize(images, size);
        var (trainStimuli, testStimuli) = samples.StimulusRows();

        context.Report("features", 0, 1);
        var (trainFeatures, allFeatures, description) = await data.FeaturesAsync(p.Features, encoding, context, images, FeatureInput.WorkingSize(p.ImageSize, side),
            trainStimuli, arange(images.shape[0], dtype: ScalarType.Int64), [.. stimuli.Select(s => s.Label)], [.. stimuli.Select(s => s.Sha)]);
        trainFeatures = trainFeatures.to_type(ScalarType.Float32);
        allFeatures = allFeatures.to_type(ScalarType.Float32);
        int d = (int)allFeatures.shape[1];
        await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
            $"{samples.Description}; decoding {p.Features} ({description}; {d} values){(p.LowLevel ? $" and {size}x{size} pixels" : "")} from {samples.Responses.Shape[1]} units."));

        // The embedding is fitted z-scored (as reconstruction-features fits features) and sent back in the space's own units.
        var scaling = FeatureScaling.FromTraining(trainFeatures);
        using var embedding = RidgeDecoding.Decode(samples, encoding, scaling.Standardise(trainFeatures), scaling.Standardise(allFeatures).index_select(0, testStimuli), "features", context);
        var order = embedding.Order;
        float[]? lowLevel = null;
        if (p.LowLevel)
        {
            using var guess = RidgeDecoding.Decode(samples, encoding, pixels.index_select(0, trainStimuli), pixels.index_select(0, testStimuli), "pixels", context);
            lowLevel = [.. guess.Predicted.Select(v => float.IsFinite(v) ? Math.Clamp(v, 0f, 1f) : v)];
        }
        var targets = pixels.index_select(0, tensor(order)).contiguous().data<float>().ToArray();

        var input = new GenerationInput(context.Run.Id, context.Run.Seed, p.Features, d, order.Length, scaling.Restore(embedding.Predicted, d), lowLevel, size, size);
        await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
            $"Sending {order.Length} test images to the generator at {generator.Options.Host} in batches of {generator.Options.BatchSize}."));
        var generated = await generator.GenerateAsync(input, (done, total) => context.Report("generating", done, total), ct);
        await context.LogAsync($"The generator answered: model {generated.Model}, version {generated.Version}, {generated.Batches} batches.");

        context.Report("scoring", 0, 1);
        var scores = await ReconstructionOutputs.WriteAsync(context, generated.Pixels, targets, order.Length, size, size,
            [.. order.Select(o => (int)o)], [.. stimuli.Select(s => s.Name)], network: network);
        await context.LogAsync($"Test images: PixCorr {scores.PixCorr}, SSIM {scores.Ssim}, MSE {scores.Mse}, 2-way identification (pixels) {scores.IdentificationPixels}.");
        context.Report("scoring", 1, 1);
        return new ReconstructionGenerativeSummary
        {
            Scores = scores,
            GeneratorModel = generated.Model,
            GeneratorVersion = generated.Version,
            GeneratorHost = generator.Options.Host,
            Batches = generated.Batches,
            Features = p.Features,
            EmbeddingDimension = d,
            MeanEmbeddingTestR = EncodingJobSupport.FiniteMean(embedding.Fit.TestR),
            LowLevel = p.LowLevel,
            Units = (int)samples.Responses.Shape[1],
            TrainSamples = samples.TrainRows.Length,
            TestSamples = samples.TestRows.Length,
        };
    }
}
