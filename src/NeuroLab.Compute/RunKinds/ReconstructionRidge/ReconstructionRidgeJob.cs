using System.Globalization;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.Reconstruction;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Storage;
using static TorchSharp.torch;

namespace NeuroLab.Compute.RunKinds.ReconstructionRidge;

/// <summary>
/// The linear decoding baseline (Miyawaki et al. 2008 style, here without fixed bases): every pixel of the seen image
/// at a chosen resolution is a ridge regression on all units' responses (standardised), each pixel's alpha chosen by
/// cross-validated R² on the training samples; the test images are decoded, clipped to 0..1 and scored (PixCorr, SSIM,
/// MSE, 2-way identification) against the originals on the same grid.
/// </summary>
public sealed class ReconstructionRidgeJob(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, EncodingSamples data, EncodingRidgeJob ridge,
    Features.ResNet18.ResNet18Model? network = null)
    : IRunJob<ReconstructionRidgeParameters, ReconstructionRidgeSummary>
{
    public static RunKindInfo Info { get; } = new(
        RunKindNames.ReconstructionRidge,
        "Reconstruction: ridge to pixels",
        "Decodes the seen image from brain responses: one ridge regression per pixel (alpha by cross-validation), scored on " +
        "the test images with PixCorr, SSIM, MSE and 2-way identification.",
        RunInput.ResponseSet,
        ReconstructionArtifacts.Common)
    {
        Order = 30,
    };

    public async Task<ReconstructionRidgeParameters> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct)
    {
        if (request.ResponseSetId is not { } set)
        {
            return new ReconstructionRidgeParameters();
        }
        var defaults = await EncodingRidgeDefaults.ForAsync(dbFactory, store, request.DatasetId, set, ct);
        return new ReconstructionRidgeParameters { Folds = defaults.Folds, Split = defaults.Split, Samples = defaults.Samples };
    }

    public string Describe(ReconstructionRidgeParameters parameters) =>
        parameters.Resolution is { } r ? string.Create(CultureInfo.InvariantCulture, $"ridge to {r}x{r} pixels") : "ridge to pixels";

    public async Task ValidateAsync(ReconstructionRidgeParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        RunParameterChecks.InRange(problems, "resolution", p.Resolution, ReconstructionRidgeParameters.MinResolution, ReconstructionRidgeParameters.MaxResolution);
        // The samples, split, folds, alphas and the stimuli's images are checked as an encoding-ridge run on pixels checks them.
        var encoding = new RunProblems();
        await ridge.ValidateAsync(p.Encoding(), submission, encoding, ct);
        problems.Include(encoding, problem => problem.Replace("features: ", "images: ", StringComparison.Ordinal));
        if (problems.Count > 0)
        {
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await ReconstructionChecks.StimulusImagesAsync(db, store, submission.DatasetId, problems, ct);
    }

    public async Task<ReconstructionRidgeSummary> ExecuteAsync(ReconstructionRidgeParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        var encoding = p.Encoding();
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
        int resolution = ReconstructionRidgeParameters.GridSide(p.Resolution, side);
        var pixels = Resize(images, resolution);
        await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
            $"{samples.Description}; decoding {resolution}x{resolution} = {resolution * resolution} pixels from {samples.Responses.Shape[1]} units."));

        var (trainStimuli, testStimuli) = samples.StimulusRows();
        // One reconstruction per test image: single-trial decodes of the same stimulus are averaged (dataset test order).
        using var decoded = RidgeDecoding.Decode(samples, encoding, pixels.index_select(0, trainStimuli), pixels.index_select(0, testStimuli), "pixels", context);
        var (order, reconstructions, fit) = decoded;
        var targets = pixels.index_select(0, tensor(order)).contiguous().data<float>().ToArray();
        context.Report("scoring", 0, 1);
        var scores = await ReconstructionOutputs.WriteAsync(context, reconstructions, targets, order.Length, resolution, resolution,
            [.. order.Select(o => (int)o)], [.. stimuli.Select(s => s.Name)], network: network);
        await context.LogAsync($"Test images: PixCorr {scores.PixCorr}, SSIM {scores.Ssim}, MSE {scores.Mse}, 2-way identification (pixels) {scores.IdentificationPixels}.");
        context.Report("scoring", 1, 1);
        return new ReconstructionRidgeSummary
        {
            Scores = scores,
            Resolution = resolution,
            Units = (int)samples.Responses.Shape[1],
            TrainSamples = samples.TrainRows.Length,
            TestSamples = samples.TestRows.Length,
            MedianAlpha = fit.BestAlpha.Order().ElementAt(fit.BestAlpha.Count / 2),
        };
    }

    /// <summary>The images [n, h, w] as [n, resolution * resolution] (area-averaged when shrinking, bilinear when enlarging), in 0..1.</summary>
    internal static Tensor Resize(Tensor images, int resolution)
    {
        long n = images.shape[0];
        if (images.shape[1] == resolution && images.shape[2] == resolution)
        {
            return images.reshape(n, resolution * resolution);
        }
        var mode = images.shape[1] >= resolution && images.shape[2] >= resolution ? InterpolationMode.Area : InterpolationMode.Bilinear;
        var resized = nn.functional.interpolate(images.unsqueeze(1), size: [resolution, resolution], mode: mode, align_corners: mode == InterpolationMode.Bilinear ? false : null);
        return resized.clamp(0, 1).reshape(n, resolution * resolution);
    }
}
