using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Features;
using NeuroLab.Analysis.Training;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Data;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;
using static TorchSharp.torch;

namespace NeuroLab.Compute.RunKinds.EncodingReadout;

/// <summary>
/// Trains a factorized spatial x feature readout (Klindt et al. 2017) with TorchSharp on Gabor energy maps of
/// the stimuli (one scale: [orientations, positions, positions] per image, z-scored with training statistics):
/// Adam on mini-batches, early stopping on a validation split of the training stimuli, a checkpoint after every
/// epoch so an interrupted run resumes where it stopped, and epoch-by-epoch live progress (loss, validation r).
/// Artifacts: test r per unit, test predictions, the learned spatial masks and feature weights, training history.
/// </summary>
public sealed class EncodingReadoutJob(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store)
    : IRunJob<EncodingReadoutParameters, EncodingReadoutSummary>
{
    public static RunKindInfo Info { get; } = new(
        RunKindNames.EncodingReadout,
        "Neural readout (TorchSharp, spatial x feature)",
        "A factorised spatial x feature readout (Klindt et al. 2017) trained on Gabor energy maps of the stimuli with " +
        "early stopping on a validation split, a checkpoint after every epoch (an interrupted run resumes) and live " +
        "training curves; scored by test r per unit.",
        RunInput.ResponseSet,
        EncodingReadoutArtifacts.All)
    {
        Order = 10,
        HeldOut = new(EncodingReadoutArtifacts.TestPredictions, EncodingReadoutArtifacts.TestStimulusIndex),
    };

    /// <summary>The split that fits the dataset: its own train/test marks when it has both, else random.</summary>
    /// <remarks>The split rule is encoding-ridge's (<see cref="EncodingRidgeDefaults"/>), so both models of a dataset start on the same split.</remarks>
    public async Task<EncodingReadoutParameters> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct) =>
        request.ResponseSetId is { } set
            ? new EncodingReadoutParameters { Split = (await EncodingRidgeDefaults.ForAsync(dbFactory, store, request.DatasetId, set, ct)).Split }
            : new EncodingReadoutParameters();

    public string Describe(EncodingReadoutParameters parameters) => "readout";

    /// <summary>The Gabor scales (cycles per image) the readout can use; those with fewer than 3.2 pixels per cycle at the working size are dropped.</summary>
    private static readonly double[] GaborScales = [1, 2, 4, 8, 16, 32];

    public async Task ValidateAsync(EncodingReadoutParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        RunParameterChecks.InRange(problems, "maxEpochs", p.MaxEpochs, 1, 10_000);
        RunParameterChecks.InRange(problems, "patience", p.Patience, 1, 10_000);
        RunParameterChecks.Between(problems, "validationFraction", p.ValidationFraction, 0, 1);
        RunParameterChecks.Between(problems, "testFraction", p.TestFraction, 0, 1);
        RunParameterChecks.Positive(problems, "learningRate", p.LearningRate);
        RunParameterChecks.NonNegative(problems, "maskL1", p.MaskL1);
        RunParameterChecks.NonNegative(problems, "featureL1", p.FeatureL1);
        RunParameterChecks.InRange(problems, "imageSize", p.ImageSize, EncodingRidgeParameters.MinImageSize, EncodingRidgeParameters.MaxImageSize);
        if (p.CyclesPerImage is { } cycles && !GaborScales.Contains(cycles))
        {
            problems.Add($"cyclesPerImage must be one of {string.Join(", ", GaborScales)} (got {cycles}).");
        }
        problems.OneOf("split", p.Split, ("dataset", "the stimuli's train/test marks"), ("random", ""));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var set = await db.ResponseSets.SingleOrDefaultAsync(r => r.Id == p.ResponseSetId && r.DatasetId == submission.DatasetId, ct);
        if (set is null)
        {
            problems.Add($"Response set {p.ResponseSetId} is not part of this dataset.");
            return;
        }
        var stimuli = await db.Stimuli.Where(s => s.DatasetId == submission.DatasetId).Select(s => new { s.ImageSha256, s.Split }).ToListAsync(ct);
        if (stimuli.Any(s => s.ImageSha256 is null))
        {
            problems.Add("Every stimulus needs an image: the readout learns from Gabor energy maps of the images.");
        }
        if (problems.Count > 0)
        {
            return;
        }
        int train = p.Split == "dataset" ? stimuli.Count(s => s.Split == "train") : (int)(stimuli.Count * (1 - p.TestFraction));
        int test = p.Split == "dataset" ? stimuli.Count(s => s.Split == "test") : stimuli.Count - train;
        if (train * p.ValidationFraction < 2 || test < 2)
        {
            problems.Add($"{train} training and {test} test stimuli are too few: need at least 2 validation and 2 test stimuli.");
        }
    }

    public async Task<EncodingReadoutSummary> ExecuteAsync(EncodingReadoutParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        Data.Datasets.ResponseSet set;
        List<(string? Sha, string? Split)> stimuli;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            set = await db.ResponseSets.SingleAsync(r => r.Id == p.ResponseSetId, ct);
            stimuli = [.. (await db.Stimuli.Where(s => s.DatasetId == context.Run.DatasetId).OrderBy(s => s.Index).Select(s => new { s.ImageSha256, s.Split }).ToListAsync(ct)).Select(s => (s.ImageSha256, s.Split))];
        }
        NumericArray responses;
        await using (var stream = store.OpenRead(set.ArraySha256))
        {
            responses = NpyReader.Read(stream, "responses.npy").ToCOrder();
        }
        var (train, test) = EncodingJobSupport.Split(stimuli.Select(s => s.Split).ToList(), p.Split, p.TestFraction, context.Run.Seed);
        // Validation stimuli: a seeded subset of the training stimuli, never the test stimuli.
        var shuffled = train.ToArray();
        new Random(context.Run.Seed ^ 0x5EED).Shuffle(shuffled);
        int nValidation = Math.Max(2, (int)Math.Round(train.Length * p.ValidationFraction));
        var validation = shuffled.Take(nValidation).Order().ToArray();
        var fit = shuffled.Skip(nValidation).Order().ToArray();

        using var scope = NewDisposeScope();
        var images = await EncodingJobSupport.LoadImagesAsync(store, context, stimuli.Select(s => s.Sha!).ToList(), ct);
        int size = Math.Min(p.ImageSize ?? 64, (int)images.shape[1]);
        var cycles = GaborScales.Where(c => size / c >= 3.2).ToArray();
        using var gabor = new GaborPyramid(new GaborPyramidOptions { Size = size, CyclesPerImage = cycles });
        var scale = p.CyclesPerImage is { } wanted
            ? gabor.Scales.FirstOrDefault(s => Math.Abs(s.CyclesPerImage - wanted) < 1e-9) ?? throw new ArgumentException($"No Gabor scale at {wanted} cycles per image; available: {string.Join(", ", gabor.Scales.Select(s => s.CyclesPerImage))}.")
            : gabor.Scales.Where(s => s.PositionsPerSide <= 16).MaxBy(s => s.PositionsPerSide)!;
        var energies = gabor.Transform(images, 64, new EncodingJobSupport.SynchronousProgress<FeatureProgress>(f => context.Report("features", f.ImagesDone, f.ImagesTotal)), ct);
        int orientations = gabor.Options.Orientations, positions = scale.PositionsPerSide;
        var maps = energies.narrow(1, scale.FeatureOffset, scale.FeatureCount).reshape(-1, orientations, positions, positions);
        await context.LogAsync($"Readout input: Gabor energy at {scale.CyclesPerImage} cycles/image, {orientations} orientations x {positions}x{positions} positions ({size}x{size} images); {fit.Length} fit, {validation.Length} validation, {test.Length} test stimuli.");

        // z-score each orientation channel with the fitting stimuli only.
        var fitIndex = tensor(fit.Select(i => (long)i).ToArray());
        var mean = maps.index_select(0, fitIndex).mean([0L, 2L, 3L], keepdim: true);
        var sd = maps.index_select(0, fitIndex).std([0L, 2L, 3L], keepdim: true).clamp_min(1e-6);
        maps = (maps - mean) / sd;
        var y = tensor(responses.AsSpan<float>().ToArray(), [responses.Shape[0], responses.Shape[1]]);
        Tensor Rows(Tensor t, int[] rows) => t.index_select(0, tensor(rows.Select(i => (long)i).ToArray()));

        var history = new List<EpochProgress>();
        var options = new ReadoutTrainingOptions
        {
            MaxEpochs = p.MaxEpochs,
            Patience = p.Patience,
            LearningRate = p.LearningRate,
            MaskL1 = p.MaskL1,
            FeatureL1 = p.FeatureL1,
            Seed = (ulong)context.Run.Seed,
        };
        var resume = await context.LoadCheckpointAsync();
        if (resume is not null)
        {
            await context.LogAsync("Resuming from the last checkpoint.");
        }
        using var model = ReadoutTrainer.Train(Rows(maps, fit), Rows(y, fit), Rows(maps, validation), Rows(y, validation), options,
            new EncodingJobSupport.SynchronousProgress<EpochProgress>(e =>
            {
                history.Add(e);
                // The whole curve so far travels with each event, so throttled events never leave gaps in the chart.
                context.Report("training", e.Epoch, e.MaxEpochs,
                    new Dictionary<string, double> { ["trainLoss"] = e.TrainLoss, ["validationLoss"] = e.ValidationLoss, ["validationMeanR"] = e.ValidationMeanR, ["bestValidationMeanR"] = e.BestValidationMeanR },
                    new Dictionary<string, double[]>
                    {
                        ["epochs"] = [.. history.Select(h => (double)h.Epoch)],
                        ["validationMeanR"] = [.. history.Select(h => h.ValidationMeanR)],
                        ["trainLoss"] = [.. history.Select(h => h.TrainLoss)],
                    });
            }),
            ct,
            new ReadoutCheckpointHooks
            {
                ResumeFrom = resume is null ? null : new MemoryStream(resume),
                // The trainer calls back synchronously on the job thread, whose context only runs posted continuations
                // when the job awaits: the save runs on the pool (no torch there) while the job thread waits for it.
                CheckpointAfterEpoch = _ => new CheckpointStream(bytes => Task.Run(() => context.SaveCheckpointAsync(bytes)).GetAwaiter().GetResult()),
            });

        context.Report("scoring", 0, 1);
        var prediction = model.Predict(Rows(maps, test), Rows(y, test));
        var r = prediction.R;
        await context.SaveArrayAsync(EncodingReadoutArtifacts.TestR, EncodingJobSupport.Vector(r));
        await context.SaveArrayAsync(EncodingReadoutArtifacts.TestPredictions, EncodingJobSupport.FromTensor(prediction.Predictions));
        await context.SaveArrayAsync(EncodingReadoutArtifacts.TestStimulusIndex, new NumericArray(NumericType.Int32, [test.Length], test));
        await context.SaveArrayAsync(EncodingReadoutArtifacts.SpatialMasks, EncodingJobSupport.FromTensor(model.Readout.Mask));
        await context.SaveArrayAsync(EncodingReadoutArtifacts.FeatureWeights, EncodingJobSupport.FromTensor(model.Readout.Features));
        await context.SaveFileAsync(EncodingReadoutArtifacts.History, s =>
        {
            using var writer = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true);
            writer.WriteLine("epoch,train_loss,validation_loss,validation_mean_r");
            foreach (var e in model.History)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.Epoch},{e.TrainLoss:G6},{e.ValidationLoss:G6},{e.ValidationMeanR:G6}"));
            }
        });
        context.Report("scoring", 1, 1, new Dictionary<string, double> { ["meanTestR"] = prediction.MeanR });
        await context.LogAsync($"Mean test r = {prediction.MeanR:0.0000} after {model.History.Count} epochs (best epoch {model.BestEpoch}).");
        return new EncodingReadoutSummary
        {
            MeanTestR = prediction.MeanR,
            Units = r.Length,
            TrainStimuli = fit.Length,
            ValidationStimuli = validation.Length,
            TestStimuli = test.Length,
            Epochs = model.History.Count,
            BestEpoch = model.BestEpoch,
            BestValidationMeanR = model.BestValidationMeanR,
            StoppedEarly = model.StoppedEarly,
            TrainingCurve = new TrainingCurve([.. model.History.Select(e => e.Epoch)], [.. model.History.Select(e => e.ValidationMeanR)]),
            Features = $"Gabor energy maps, {scale.CyclesPerImage} cycles/image, {orientations} orientations x {positions}x{positions}",
        };
    }

    /// <summary>Collects a checkpoint the trainer writes and hands the bytes to the run when the trainer disposes it.</summary>
    private sealed class CheckpointStream(Action<byte[]> saved) : MemoryStream
    {
        private bool _done;

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_done)
            {
                _done = true;
                saved(ToArray());
            }
            base.Dispose(disposing);
        }
    }
}
