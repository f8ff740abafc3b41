using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Training;
using NeuroLab.Analysis.Encoding;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.Features.ResNet18;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.Reconstruction;
using NeuroLab.Compute.RunKinds.ReconstructionRidge;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Storage;
using static TorchSharp.torch;

namespace NeuroLab.Compute.RunKinds.ReconstructionDecoder;

/// <summary>The artifacts of a reconstruction-decoder run beyond the common ones.</summary>
public static class ReconstructionDecoderArtifacts
{
    public static readonly ArtifactSpec History = new("training_history.csv", ArtifactRole.Table, "epoch, train_loss, validation_loss, validation_pixcorr per epoch.");

    public static readonly IReadOnlyList<ArtifactSpec> All = [.. ReconstructionArtifacts.Common, History];
}

/// <summary>
/// A neural image decoder trained with TorchSharp (<see cref="ImageDecoderTrainer"/>): z-scored responses of all units
/// through one hidden ReLU layer to the pixels of the seen image (sigmoid, 0..1), Adam on the pixel MSE with an L2
/// penalty, early stopping on a seeded validation split of the training stimuli, a checkpoint after every epoch (an
/// interrupted run resumes exactly), and live progress: loss curves every epoch and the decoded validation examples
/// every few epochs, so everyone watching sees them sharpen. The test images are decoded with the best epoch's weights
/// and scored like every reconstruction kind.
/// </summary>
public sealed class ReconstructionDecoderJob(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, EncodingSamples data, EncodingRidgeJob ridge,
    ResNet18Model? network = null)
    : IRunJob<ReconstructionDecoderParameters, ReconstructionDecoderSummary>
{
    public static RunKindInfo Info { get; } = new(
        RunKindNames.ReconstructionDecoder,
        "Reconstruction: neural decoder (TorchSharp)",
        "Decodes the seen image with a small neural network trained on the responses (early stopping, checkpoints, live loss " +
        "curves and example reconstructions while it trains), scored with PixCorr, SSIM, MSE and 2-way identification.",
        RunInput.ResponseSet,
        ReconstructionDecoderArtifacts.All)
    {
        Order = 31,
    };

    public async Task<ReconstructionDecoderParameters> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct) =>
        request.ResponseSetId is { } set
            ? new ReconstructionDecoderParameters { Split = (await EncodingRidgeDefaults.ForAsync(dbFactory, store, request.DatasetId, set, ct)).Split, FeatureLoss = FeatureLossOf(new()) }
            : new ReconstructionDecoderParameters { FeatureLoss = FeatureLossOf(new()) };

    /// <summary>The feature loss a run uses: the one named, else resnet18:layer1 when the server has the network, else none.</summary>
    public string FeatureLossOf(ReconstructionDecoderParameters p) =>
        p.FeatureLoss ?? (network is { IsAvailable: true } ? ReconstructionDecoderParameters.DefaultNetworkFeatureLoss : ReconstructionDecoderParameters.NoFeatureLoss);

    public string Describe(ReconstructionDecoderParameters parameters) =>
        (parameters.Hidden == 0 ? "linear decoder" : string.Create(CultureInfo.InvariantCulture, $"MLP decoder ({parameters.Hidden} hidden)"))
        + (parameters.InitFromRidge ? ", ridge start" : "")
        + (FeatureLossOf(parameters) is var loss && loss == ReconstructionDecoderParameters.NoFeatureLoss ? "" : $", {loss} feature loss");

    public async Task ValidateAsync(ReconstructionDecoderParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        RunParameterChecks.InRange(problems, "resolution", p.Resolution, ReconstructionRidgeParameters.MinResolution, ReconstructionRidgeParameters.MaxResolution);
        RunParameterChecks.InRange(problems, "examples", p.Examples, 0, 32);
        RunParameterChecks.Between(problems, "validationFraction", p.ValidationFraction, 0, 1);
        RunParameterChecks.InRange(problems, "hidden", p.Hidden, 0, 16_384);
        if (!(p.Dropout >= 0 && p.Dropout < 1))
        {
            problems.Add($"dropout must be in [0, 1) (got {p.Dropout.ToString(CultureInfo.InvariantCulture)}).");
        }
        if (!(p.LearningRate > 0 && p.LearningRate <= 1))
        {
            problems.Add($"learningRate must be in (0, 1] (got {p.LearningRate.ToString(CultureInfo.InvariantCulture)}).");
        }
        RunParameterChecks.NonNegative(problems, "weightPenalty", p.WeightPenalty);
        RunParameterChecks.InRange(problems, "batchSize", p.BatchSize, 1, 4096);
        RunParameterChecks.InRange(problems, "maxEpochs", p.MaxEpochs, 1, 100_000);
        RunParameterChecks.InRange(problems, "patience", p.Patience, 1, 100_000);
        RunParameterChecks.InRange(problems, "exampleEvery", p.ExampleEvery, 1, 100_000);
        RunParameterChecks.InRange(problems, "folds", p.Folds, 2, EncodingRidgeParameters.MaxFolds);
        if (p.Alphas is { } alphas && (alphas.Length is 0 or > EncodingRidgeParameters.MaxAlphas || alphas.Any(a => !(a > 0 && double.IsFinite(a)))))
        {
            problems.Add($"alphas must be 1 to {EncodingRidgeParameters.MaxAlphas} finite numbers > 0.");
        }
        string featureLoss = FeatureLossOf(p);
        problems.OneOf("featureLoss", featureLoss,
            [(ReconstructionDecoderParameters.NoFeatureLoss, "pixel loss only"), .. ReconstructionDecoderParameters.FeatureLossStages.Select(s => ($"resnet18:{s}", ResNet18Stage.All.Single(a => a.Name == s).Description))]);
        if (!(p.FeatureLossWeight > 0 && double.IsFinite(p.FeatureLossWeight)))
        {
            problems.Add($"featureLossWeight must be a finite number > 0 (got {p.FeatureLossWeight.ToString(CultureInfo.InvariantCulture)}).");
        }
        RunParameterChecks.InRange(problems, "featureLossSize", p.FeatureLossSize, 32, ResNet18Model.InputSize);
        if (featureLoss != ReconstructionDecoderParameters.NoFeatureLoss && network is not { IsAvailable: true })
        {
            problems.Add($"featureLoss {featureLoss} needs the ResNet-18 network (NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18), which is not installed here{(network is null ? "" : $" (looked in {network.Directory})")}. Use featureLoss none.");
        }
        var encoding = new RunProblems();
        await ridge.ValidateAsync(p.Encoding(), submission, encoding, ct);
        problems.Include(encoding, problem => problem.Replace("features: ", "images: ", StringComparison.Ordinal));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await ReconstructionChecks.StimulusImagesAsync(db, store, submission.DatasetId, problems, ct))
        {
            return;
        }
        var stimuli = await db.Stimuli.Where(s => s.DatasetId == submission.DatasetId).Select(s => new { s.Split }).ToListAsync(ct);
        int train = p.Split == "dataset" ? stimuli.Count(s => s.Split == "train") : (int)(stimuli.Count * (1 - p.TestFraction));
        if (train * p.ValidationFraction < 2 || train - (int)Math.Round(train * p.ValidationFraction) < 2)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{train} training stimuli are too few to hold out {p.ValidationFraction * 100:0.#}% for validation (need at least 2 validation and 2 fitting stimuli)."));
        }
    }

    private static ImageDecoderOptions Options(ReconstructionDecoderParameters p, string featureLoss, int seed) => new()
    {
        Hidden = p.Hidden,
        Dropout = p.Dropout,
        LearningRate = p.LearningRate,
        WeightPenalty = p.WeightPenalty,
        BatchSize = p.BatchSize,
        MaxEpochs = p.MaxEpochs,
        Patience = p.Patience,
        ExampleEvery = p.ExampleEvery,
        Seed = unchecked((ulong)seed),
        LinearSkip = p.InitFromRidge,
        FeatureLossWeight = featureLoss == ReconstructionDecoderParameters.NoFeatureLoss ? 0 : p.FeatureLossWeight,
    };

    /// <summary>
    /// The per-pixel ridge start of the decoder, fitted on the fitting stimuli only, on the decoder's own (z-scored) inputs:
    /// reconstruction-ridge's settings (its alpha grid, contiguous folds, CV R²), no second standardisation, so
    /// decoder(x) = x W + b exactly at the start.
    /// </summary>
    internal static (Tensor Weights, Tensor Intercepts, double MedianAlpha) RidgeStart(ReconstructionDecoderParameters p, Tensor x, Tensor pixels, CancellationToken ct)
    {
        var folds = RidgeFolds.Contiguous(Math.Min(p.Folds, (int)x.shape[0]));
        var options = new ReconstructionRidgeParameters { Alphas = p.Alphas, Folds = p.Folds }.Encoding().RidgeOptions(folds)
            with { Score = CvScoreKind.RSquared, StandardizeFeatures = false, KeepWeights = true, KeepTestPredictions = false };
        using var fit = RidgeCv.Fit(x, pixels, x.narrow(0, 0, 1), pixels.narrow(0, 0, 1), options, cancellationToken: ct);
        return (fit.Weights!.to_type(ScalarType.Float32).DetachFromDisposeScope(), tensor(fit.Intercepts.ToArray()).to_type(ScalarType.Float32).DetachFromDisposeScope(),
            fit.BestAlpha.Order().ElementAt(fit.BestAlpha.Count / 2));
    }

    public async Task<ReconstructionDecoderSummary> ExecuteAsync(ReconstructionDecoderParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        Data.Datasets.ResponseSet set;
        List<(string Name, string? Sha, string? Split, string? Label)> stimuli;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            set = await db.ResponseSets.SingleAsync(r => r.Id == p.ResponseSetId, ct);
            stimuli = await EncodingSamples.StimuliAsync(db, context.Run.DatasetId, ct);
        }
        var samples = await data.SamplesAsync(p.Encoding(), set, stimuli, context.Run.Seed, ct);
        using var scope = NewDisposeScope();
        var images = await EncodingJobSupport.LoadImagesAsync(store, context, [.. stimuli.Select(s => s.Sha!)], ct);
        int resolution = ReconstructionRidgeParameters.GridSide(p.Resolution, (int)Math.Min(images.shape[1], images.shape[2]));
        var pixels = ReconstructionRidgeJob.Resize(images, resolution);
        int pixelCount = resolution * resolution;

        // Validation stimuli: a seeded subset of the training samples, never the test ones.
        var shuffled = samples.TrainRows.ToArray();
        new Random(context.Run.Seed ^ 0x5EED).Shuffle(shuffled);
        int nValidation = Math.Max(2, (int)Math.Round(shuffled.Length * p.ValidationFraction));
        var validation = shuffled.Take(nValidation).Order().ToArray();
        var fit = shuffled.Skip(nValidation).Order().ToArray();
        var test = samples.TestRows;
        var (all, _, _) = samples.ResponseTensors();
        // z-score every unit with the fitting samples only (constant units become 0).
        var fitIndex = tensor(fit.Select(i => (long)i).ToArray());
        var mean = all.index_select(0, fitIndex).mean([0L], keepdim: true);
        var sd = all.index_select(0, fitIndex).std([0L], keepdim: true).clamp_min(1e-6);
        var x = (all - mean) / sd;
        Tensor Rows(Tensor t, int[] rows) => t.index_select(0, tensor(rows.Select(i => (long)i).ToArray()));
        Tensor Images(int[] rows) => pixels.index_select(0, tensor(rows.Select(i => (long)samples.StimulusOfSample[i]).ToArray()));
        int[] exampleRows = [.. Enumerable.Range(0, Math.Min(p.Examples, validation.Length))];
        await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
            $"Decoding {resolution}x{resolution} pixels from {samples.Responses.Shape[1]} units: {fit.Length} fitting, {validation.Length} validation, {test.Length} test stimuli; {Describe(p)}."));

        // The targets of the live examples travel once with every examples event (they are small), so a late viewer sees both.
        var exampleTargets = Images(validation).index_select(0, tensor(exampleRows.Select(i => (long)i).ToArray())).to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var history = new List<ImageDecoderEpoch>();
        string featureLoss = FeatureLossOf(p);
        using var featureNetwork = featureLoss == ReconstructionDecoderParameters.NoFeatureLoss ? null
            : new ResNet18FeatureLoss(network ?? throw new InvalidOperationException("The feature loss needs the ResNet-18 network."),
                ResNet18Stage.All.Single(s => $"resnet18:{s.Name}" == featureLoss), resolution, p.FeatureLossSize);
        using var trainer = new ImageDecoderTrainer((int)x.shape[1], pixelCount, Options(p, featureLoss, context.Run.Seed), featureNetwork);
        double? ridgeAlpha = null;
        if (p.InitFromRidge)
        {
            context.Report("ridge start", 0, 1);
            var (weights, intercepts, alpha) = RidgeStart(p, Rows(x, fit), Images(fit), ct);
            using (weights)
            using (intercepts)
            {
                trainer.InitializeFromLinear(weights, intercepts);
            }
            ridgeAlpha = alpha;
            await context.LogAsync(string.Create(CultureInfo.InvariantCulture, $"Ridge start: per-pixel ridge on the {fit.Length} fitting stimuli, median alpha {alpha:G3}."));
            context.Report("ridge start", 1, 1);
        }
        if (await context.LoadCheckpointAsync() is { } resume)
        {
            trainer.LoadCheckpoint(new MemoryStream(resume));
            history.AddRange(trainer.History);
            await context.LogAsync($"Resuming from the checkpoint of epoch {trainer.EpochsCompleted}.");
        }
        trainer.Train(Rows(x, fit), Images(fit), Rows(x, validation), Images(validation), exampleRows,
            new EncodingJobSupport.SynchronousProgress<ImageDecoderEpoch>(e =>
            {
                history.Add(e with { Examples = null });
                var series = new Dictionary<string, double[]>
                {
                    ["epochs"] = [.. history.Select(h => (double)h.Epoch)],
                    ["trainLoss"] = [.. history.Select(h => h.TrainLoss)],
                    ["validationLoss"] = [.. history.Select(h => h.ValidationLoss)],
                    ["validationPixCorr"] = [.. history.Select(h => h.ValidationPixCorr)],
                };
                if (e.Examples is { } examples)
                {
                    series["examples"] = [.. examples.Select(v => (double)v)];
                    series["exampleTargets"] = exampleTargets;
                    series["exampleShape"] = [exampleRows.Length, resolution, resolution];
                }
                context.Report("training", e.Epoch, e.MaxEpochs,
                    new Dictionary<string, double> { ["trainLoss"] = e.TrainLoss, ["validationLoss"] = e.ValidationLoss, ["validationPixCorr"] = e.ValidationPixCorr }, series,
                    milestone: e.Examples is not null);
            }),
            (t, e) =>
            {
                // The trainer calls back on the job thread: the save runs on the pool while the job thread waits for it.
                using var buffer = new MemoryStream();
                t.SaveCheckpoint(buffer);
                var bytes = buffer.ToArray();
                Task.Run(() => context.SaveCheckpointAsync(bytes)).GetAwaiter().GetResult();
            },
            ct);

        context.Report("scoring", 0, 1);
        var decoded = trainer.Predict(Rows(x, test)).contiguous().data<float>().ToArray();
        var targets = Images(test).contiguous().data<float>().ToArray();
        var scores = await ReconstructionOutputs.WriteAsync(context, decoded, targets, test.Length, resolution, resolution,
            [.. test.Select(r => samples.StimulusOfSample[r])], [.. stimuli.Select(s => s.Name)], network: network);
        await context.SaveFileAsync(ReconstructionDecoderArtifacts.History, s =>
        {
            using var writer = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true);
            writer.WriteLine("epoch,train_loss,validation_loss,validation_pixcorr");
            foreach (var e in trainer.History)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Epoch},{e.TrainLoss:G6},{e.ValidationLoss:G6},{e.ValidationPixCorr:G6}"));
            }
        });
        await context.LogAsync($"{trainer.EpochsCompleted} epochs (best {trainer.BestEpoch}{(trainer.StoppedEarly ? ", stopped early" : "")}). Test images: PixCorr {scores.PixCorr}, SSIM {scores.Ssim}, MSE {scores.Mse}.");
        context.Report("scoring", 1, 1);
        return new ReconstructionDecoderSummary
        {
            Scores = scores,
            Resolution = resolution,
            Units = (int)x.shape[1],
            TrainStimuli = fit.Length,
            ValidationStimuli = validation.Length,
            Epochs = trainer.EpochsCompleted,
            BestEpoch = trainer.BestEpoch,
            BestValidationLoss = trainer.BestValidationLoss,
            StoppedEarly = trainer.StoppedEarly,
            FeatureLoss = featureLoss,
            RidgeStartMedianAlpha = ridgeAlpha,
        };
    }
}
