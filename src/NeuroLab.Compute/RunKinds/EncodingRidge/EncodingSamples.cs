using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Encoding;
using NeuroLab.Analysis.Features;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;
using static TorchSharp.torch;

namespace NeuroLab.Compute.RunKinds.EncodingRidge;

/// <summary>
/// The samples and features of an encoding-ridge fit, shared by the encoding-ridge job and the kinds that refit or
/// reuse its model (voxel captions), so a refit sees exactly the rows and features the run was scored on.
/// </summary>
public sealed class EncodingSamples(ContentStore store, FeatureSpaceRegistry features)
{
    /// <summary>
    /// The samples a run fits: the response set's rows (one per stimulus, split by the dataset's marks or at random,
    /// contiguous CV folds), or its single trials in repeat-major order (the last repeats held out, CV folds of whole
    /// repeats).
    /// </summary>
    public sealed record Samples(
        NumericArray Responses, int[] StimulusOfSample, int[] TrainRows, int[] TestRows, RidgeFolds Folds, string Description,
        NumericArray? Trials = null, int? TrainRepeats = null, int? TestRepeats = null)
    {
        /// <summary>The stimulus shown in each training and each test sample: the rows of the feature matrices.</summary>
        /// <summary>
        /// One row per test image: the stimuli of the test samples in order of first appearance, and <paramref name="testRows"/>
        /// (float32 [test samples, width], row-major) averaged over each stimulus's samples (its single trials; one sample per
        /// stimulus leaves the rows as they are).
        /// </summary>
        public (long[] Stimuli, float[] Averaged) AverageByTestStimulus(float[] testRows, int width)
        {
            ArgumentNullException.ThrowIfNull(testRows);
            long[] stimulusOfRow = [.. TestRows.Select(r => (long)StimulusOfSample[r])];
            var order = stimulusOfRow.Distinct().ToArray();
            var averaged = new float[order.Length * width];
            for (int i = 0; i < order.Length; i++)
            {
                var rows = Enumerable.Range(0, stimulusOfRow.Length).Where(r => stimulusOfRow[r] == order[i]).ToArray();
                for (int k = 0; k < width; k++)
                {
                    averaged[i * width + k] = (float)rows.Average(r => testRows[r * width + k]);
                }
            }
            return (order, averaged);
        }

        public (Tensor Train, Tensor Test) StimulusRows() =>
            (Rows(TrainRows.Select(i => StimulusOfSample[i])), Rows(TestRows.Select(i => StimulusOfSample[i])));

        /// <summary>The responses [samples, units] as a tensor, with the training and the test samples' rows.</summary>
        public (Tensor All, Tensor Train, Tensor Test) ResponseTensors()
        {
            var all = tensor(Responses.AsSpan<float>().ToArray(), [Responses.Shape[0], Responses.Shape[1]]);
            return (all, all.index_select(0, Rows(TrainRows)), all.index_select(0, Rows(TestRows)));
        }

        private static Tensor Rows(IEnumerable<int> rows) => tensor(rows.Select(i => (long)i).ToArray());
    }

    /// <summary>A dataset's stimuli in order, as the fitting kinds read them: name, image hash, split mark, label.</summary>
    public static async Task<List<(string Name, string? Sha, string? Split, string? Label)>> StimuliAsync(NeuroLab.Data.NeuroLabDbContext db, Guid datasetId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return [.. (await db.Stimuli.Where(s => s.DatasetId == datasetId).OrderBy(s => s.Index).Select(s => new { s.Name, s.ImageSha256, s.Split, s.Label }).ToListAsync(ct))
            .Select(s => (s.Name, s.ImageSha256, s.Split, s.Label))];
    }

    public async Task<Samples> SamplesAsync(
        EncodingRidgeParameters p, ResponseSet set, IReadOnlyList<(string Name, string? Sha, string? Split, string? Label)> stimuli, int seed, CancellationToken ct)
    {
        if (p.Samples != "trials")
        {
            NumericArray responses;
            await using (var stream = store.OpenRead(set.ArraySha256))
            {
                responses = NpyReader.Read(stream, "responses.npy").ToCOrder();
            }
            var (train, test) = EncodingJobSupport.Split(stimuli.Select(s => s.Split).ToList(), p.Split, p.TestFraction, seed);
            return new Samples(responses, [.. Enumerable.Range(0, stimuli.Count)], train, test, RidgeFolds.Contiguous(p.Folds),
                $"{stimuli.Count} stimuli ({train.Length} train, {test.Length} test)");
        }
        var trials = await ReadTrialsAsync(set, ct);
        int repeats = (int)trials.Shape[0], count = (int)trials.Shape[1], units = (int)trials.Shape[2];
        int testRepeats = p.TestRepeats ?? EncodingRidgeParameters.DefaultTestRepeats(repeats);
        int trainRepeats = repeats - testRepeats;
        var flat = new NumericArray(NumericType.Float32, [(long)repeats * count, units], trials.ToFloat32());
        int[] trainRows = [.. Enumerable.Range(0, trainRepeats * count)];
        int[] testRows = [.. Enumerable.Range(trainRepeats * count, testRepeats * count)];
        // Whole repeats per fold, in order: fold f holds repeats [f * trainRepeats / k, (f + 1) * trainRepeats / k).
        var folds = RidgeFolds.Explicit([.. trainRows.Select(i => (int)((long)(i / count) * p.Folds / trainRepeats))]);
        return new Samples(flat, [.. Enumerable.Range(0, repeats * count).Select(i => i % count)], trainRows, testRows, folds,
            $"{repeats * count} single trials of {count} stimuli x {repeats} repeats (repeats 1-{trainRepeats} train in {p.Folds} folds of whole repeats, {trainRepeats + 1}-{repeats} test)",
            trials, trainRepeats, testRepeats);
    }

    /// <summary>The response set's single trials [repeats, stimuli, units].</summary>
    public async Task<NumericArray> ReadTrialsAsync(ResponseSet set, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        await using var stream = store.OpenRead(set.TrialsSha256!);
        return NpyReader.Read(stream, "trials.npy").ToCOrder();
    }

    /// <summary>
    /// The rows of feature space <paramref name="kind"/> (from the registry) for the training and test samples of
    /// <paramref name="images"/>/<paramref name="labels"/>; a fitted space (PCA) learns from the training rows only.
    /// <paramref name="imageSha256"/> names the stimulus images in the content store (spaces that read the originals: ResNet-18).
    /// </summary>
    public async Task<(Tensor Train, Tensor Test, string Description)> FeaturesAsync(
        string kind, EncodingRidgeParameters p, RunContext context, Tensor images, int size, Tensor trainIndex, Tensor testIndex, IReadOnlyList<string?> labels,
        IReadOnlyList<string?>? imageSha256 = null)
    {
        var input = new FeatureInput
        {
            Images = images,
            ImageSize = size,
            Labels = labels,
            ImageSha256 = imageSha256 ?? [],
            FitRows = trainIndex.data<long>().ToArray(),
            Progress = new EncodingJobSupport.SynchronousProgress<FeatureProgress>(f => context.Report("features", f.ImagesDone, f.ImagesTotal)),
        };
        var matrix = await features.Get(kind).ComputeAsync(p.FeatureParameters, input, context.Cancellation);
        return (matrix.Values.index_select(0, trainIndex), matrix.Values.index_select(0, testIndex), matrix.Description);
    }

    /// <summary>Whether the run's feature spaces read the stimulus images.</summary>
    public bool NeedsImages(EncodingRidgeParameters p) => features.NeedsImages(p.FeatureKinds);
}
