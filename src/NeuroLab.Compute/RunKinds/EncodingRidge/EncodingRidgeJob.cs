using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Encoding;
using NeuroLab.Analysis.Features;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Geometry;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Images;
using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Numpy;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuroLab.Compute.RunKinds.EncodingRidge;

/// <summary>
/// Parameters of an "encoding-ridge" run (JSON, camelCase):
/// <c>responseSetId</c>; <c>features</c> = pixels | pca | gabor | file (a Features file of the dataset,
/// <c>featureFileId</c>, rows aligned with the stimuli; for .mat/.npz name the variable in <c>featureVariable</c>) |
/// torchscript (a Model file of the dataset, <c>modelFileId</c>; <c>layer</c> = position of the wanted output in
/// the model's returned tuple, default 0; <c>inputChannels</c> 1 or 3 and <c>inputMean</c>/<c>inputStd</c> per channel,
/// see <see cref="TorchScriptInputOptions"/>); <c>imageSize</c> (working resolution and the model's input size, default
/// min(64, stimulus size)); <c>pcaComponents</c> (default 100); <c>alphas</c> (default logspace(0, 6, 13));
/// <c>folds</c> (default 5); <c>intercept</c> (default true); <c>split</c> = dataset (the stimuli's train/test
/// marks) | random (with <c>testFraction</c>, default 0.2, drawn with the run's seed); <c>bands</c> = two or more of
/// the feature spaces above for banded ridge (then <c>features</c> is ignored; <c>bandCandidates</c>, default 20);
/// <c>features</c> = labels is a one-hot code of the stimuli's labels (categories), for datasets without images.
/// <c>samples</c> = stimuli (default: one sample per stimulus, the response set's rows) | trials (one sample per
/// single trial of the response set's repeated trials [repeats, stimuli, units], e.g. per-run GLM betas; the last
/// <c>testRepeats</c> repeats are the test set, default 20% of them, and the CV folds are groups of whole repeats, so
/// no repeat is split between training and validation; <c>split</c> is then not used). Trial-level fits measure
/// generalisation to new repetitions (runs) of the same stimuli, not to new stimuli.
/// </summary>
public sealed record EncodingRidgeParameters
{
    public Guid ResponseSetId { get; init; }

    public string Features { get; init; } = "gabor";

    public int? ImageSize { get; init; }

    public Guid? FeatureFileId { get; init; }

    public string? FeatureVariable { get; init; }

    /// <summary>Two or more feature spaces for banded ridge (each band regularised on its own); null fits one space, <see cref="Features"/>.</summary>
    public string[]? Bands { get; init; }

    /// <summary>Band-weight candidates drawn for banded ridge (random search on the simplex, seeded by the run).</summary>
    public int BandCandidates { get; init; } = 20;

    internal IReadOnlyList<string> FeatureKinds => Bands ?? [Features];

    public Guid? ModelFileId { get; init; }

    public int Layer { get; init; }

    public int? InputChannels { get; init; }

    public double[]? InputMean { get; init; }

    public double[]? InputStd { get; init; }

    public int PcaComponents { get; init; } = 100;

    public double[]? Alphas { get; init; }

    public int Folds { get; init; } = 5;

    public bool Intercept { get; init; } = true;

    public string Split { get; init; } = "dataset";

    /// <summary>stimuli (the response set's rows) or trials (its single trials, split by repeat).</summary>
    public string Samples { get; init; } = "stimuli";

    /// <summary>With <c>samples = trials</c>: how many of the last repeats are held out (default 20%, at least 1).</summary>
    public int? TestRepeats { get; init; }

    internal static int DefaultTestRepeats(int repeats) => Math.Max(1, (int)Math.Round(repeats * 0.2));

    /// <summary>The parameters the feature spaces read (<see cref="FeatureSpaceRegistry"/>).</summary>
    internal FeatureSpaceParameters FeatureParameters => new()
    {
        ImageSize = ImageSize,
        PcaComponents = PcaComponents,
        FeatureFileId = FeatureFileId,
        FeatureVariable = FeatureVariable,
        ModelFileId = ModelFileId,
        Layer = Layer,
        InputChannels = InputChannels,
        InputMean = InputMean,
        InputStd = InputStd,
    };

    /// <summary>The parameter naming the run's feature spaces, for messages: bands for banded ridge, else features.</summary>
    internal string FeatureParameterName => Bands is null ? "features" : "bands";

    /// <summary>The alpha grid of the run (the default grid when none is given).</summary>
    internal double[] AlphaGrid => Alphas ?? [.. RidgeCvOptions.DefaultAlphas];

    /// <summary>The ridge settings of a single-space fit; refits (voxel captions) use the same, so they reproduce the run.</summary>
    internal RidgeCvOptions RidgeOptions(RidgeFolds folds) => new() { Alphas = AlphaGrid, Folds = folds, FitIntercept = Intercept };

    public double TestFraction { get; init; } = 0.2;

    /// <summary>Permutations for per-unit p-values of test r (0 skips the test).</summary>
    public int Permutations { get; init; } = 1000;

    /// <summary>False discovery rate for the significance mask (Benjamini-Hochberg).</summary>
    public double FdrQ { get; init; } = 0.05;

    /// <summary>Most cross-validation folds.</summary>
    public const int MaxFolds = 100;

    /// <summary>Largest working image size (pixels per side; the stimuli's own size caps it further).</summary>
    public const int MaxImageSize = FeatureSpaceParameters.MaxImageSize;

    /// <summary>Smallest working image size (the coarsest Gabor scale needs a few pixels per cycle).</summary>
    public const int MinImageSize = FeatureSpaceParameters.MinImageSize;

    /// <summary>Most PCA components.</summary>
    public const int MaxPcaComponents = FeatureSpaceParameters.MaxPcaComponents;

    /// <summary>Most alphas in the grid (each costs a cross-validation pass).</summary>
    public const int MaxAlphas = 100;

    /// <summary>Most permutations of the test.</summary>
    public const int MaxPermutations = 100_000;

    /// <summary>Most permutations x units (the test's work), e.g. 10,000 permutations of 100,000 voxels.</summary>
    public const long MaxPermutationWork = 1_000_000_000;

    /// <summary>Largest TorchScript output index.</summary>
    public const int MaxLayer = FeatureSpaceParameters.MaxLayer;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static EncodingRidgeParameters Parse(JsonElement json) =>
        json.Deserialize<EncodingRidgeParameters>(Json) ?? throw new ArgumentException("Parameters are missing.");
}

/// <summary>
/// Fits a voxelwise/neuronwise ridge encoding model: features of the stimulus images (raw pixels, PCA of
/// pixels fitted on the training stimuli, or the Gabor wavelet pyramid energy model) predict every unit of a
/// response set; each unit's alpha is chosen by k-fold cross-validation on the training stimuli
/// (<see cref="RidgeCv"/>), the model is refitted and scored on the held-out test stimuli. Artifacts: weights,
/// best alphas, CV scores, test r and R², test predictions (.npy), a CSV summary, and NIfTI maps of test r and
/// best alpha in the reference volume when units are voxels with coordinates.
/// </summary>
public sealed class EncodingRidgeJob(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, FeatureSpaceRegistry features, UnitGeometryService geometry) : IRunJob
{
    public string Kind => "encoding-ridge";

    public async Task<IReadOnlyList<string>> ValidateAsync(RunSubmission submission, CancellationToken ct)
    {
        var problems = new List<string>();
        EncodingRidgeParameters p;
        try
        {
            p = EncodingRidgeParameters.Parse(submission.Parameters);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return [$"Parameters could not be read: {e.Message}"];
        }
        problems.AddRange(features.CheckNames(p.FeatureParameterName, p.FeatureKinds));
        if (p.Samples is not ("stimuli" or "trials"))
        {
            problems.Add($"Unknown samples '{p.Samples}'. Use stimuli (one per stimulus) or trials (one per single trial, split by repeat).");
        }
        if (p.Bands is { } bands && (bands.Length < 2 || bands.Distinct().Count() != bands.Length))
        {
            problems.Add("Banded ridge needs two or more different feature spaces in bands, e.g. [\"gabor\", \"pca\"].");
        }
        if (p.Bands is not null)
        {
            RunParameterChecks.InRange(problems, "bandCandidates", p.BandCandidates, 1, 1000);
        }
        if (p.Split is not ("dataset" or "random"))
        {
            problems.Add($"Unknown split '{p.Split}'. Use dataset (the stimuli's train/test marks) or random.");
        }
        RunParameterChecks.InRange(problems, "folds", p.Folds, 2, EncodingRidgeParameters.MaxFolds);
        if (p.Alphas is { } alphas && (alphas.Length == 0 || alphas.Any(a => !(a > 0) || !double.IsFinite(a))))
        {
            problems.Add("Alphas must be a non-empty list of positive numbers.");
        }
        else if (p.Alphas is not null)
        {
            RunParameterChecks.InRange(problems, "the number of alphas", p.Alphas.Length, 1, EncodingRidgeParameters.MaxAlphas);
        }
        RunParameterChecks.Between(problems, "testFraction", p.TestFraction, 0, 1);
        RunParameterChecks.InRange(problems, "imageSize", p.ImageSize, EncodingRidgeParameters.MinImageSize, EncodingRidgeParameters.MaxImageSize);
        RunParameterChecks.InRange(problems, "layer", p.Layer, 0, EncodingRidgeParameters.MaxLayer);
        if (p.InputChannels is not (null or 1 or 3))
        {
            problems.Add($"inputChannels must be 1 or 3 (got {p.InputChannels}).");
        }
        RunParameterChecks.InRange(problems, "permutations", p.Permutations, 0, EncodingRidgeParameters.MaxPermutations);
        RunParameterChecks.Between(problems, "fdrQ", p.FdrQ, 0, 1);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var set = await db.ResponseSets.SingleOrDefaultAsync(r => r.Id == p.ResponseSetId && r.DatasetId == submission.DatasetId, ct);
        if (set is null)
        {
            problems.Add($"Response set {p.ResponseSetId} is not part of this dataset.");
            return problems;
        }
        var stimuli = await db.Stimuli.Where(s => s.DatasetId == submission.DatasetId).OrderBy(s => s.Index).Select(s => new { s.ImageSha256, s.Split, s.Label }).ToListAsync(ct);
        if (stimuli.Count != set.StimulusCount)
        {
            problems.Add($"The response set has {set.StimulusCount} rows but the dataset has {stimuli.Count} stimuli.");
        }
        problems.AddRange(await features.ValidateAsync(p.FeatureParameterName, p.FeatureKinds, p.FeatureParameters,
            new FeatureValidationContext(submission.DatasetId, [.. stimuli.Select(s => new FeatureStimulus(s.ImageSha256, s.Label))], db), ct));
        if (p.Samples == "trials")
        {
            if (set.TrialsSha256 is null)
            {
                problems.Add($"{set.Name} has no single trials; samples = trials needs repeated trials [repeats, stimuli, units] (e.g. per-run GLM betas). Use samples = stimuli.");
            }
            else
            {
                await using var stream = store.OpenRead(set.TrialsSha256);
                int repeats = (int)NpyReader.ReadHeader(stream, "trials.npy").Shape[0];
                int testRepeats = p.TestRepeats ?? EncodingRidgeParameters.DefaultTestRepeats(repeats);
                if (testRepeats < 1 || testRepeats >= repeats)
                {
                    problems.Add($"testRepeats must be between 1 and {repeats - 1} ({set.Name} has {repeats} repeats).");
                }
                else if (repeats - testRepeats < (long)p.Folds)
                {
                    problems.Add($"{repeats - testRepeats} training repeats are too few for {p.Folds}-fold cross-validation by repeat; lower folds or testRepeats.");
                }
            }
        }
        else if (p.Split == "dataset")
        {
            int train = stimuli.Count(s => s.Split == "train"), test = stimuli.Count(s => s.Split == "test");
            if (train == 0 || test == 0)
            {
                problems.Add($"The dataset marks {train} training and {test} test stimuli; use split \"random\" or import a split.");
            }
            else if (train < 2L * p.Folds)
            {
                problems.Add($"{train} training stimuli are too few for {p.Folds}-fold cross-validation (need at least {2L * p.Folds}).");
            }
        }
        else if (stimuli.Count * (1 - p.TestFraction) < 2.0 * p.Folds)
        {
            problems.Add($"{stimuli.Count} stimuli leave too few training samples for {p.Folds} folds.");
        }
        RunParameterChecks.ProductAtMost(problems, "permutations x units", p.Permutations, set.UnitCount, EncodingRidgeParameters.MaxPermutationWork,
            $"use at most {EncodingRidgeParameters.MaxPermutationWork / Math.Max(1, set.UnitCount):N0} permutations for these {set.UnitCount:N0} units, or 0 to skip the test.");
        // Shared parameters (imageSize, layer) are checked by the job and by the spaces that read them: say it once.
        return [.. problems.Distinct(StringComparer.Ordinal)];
    }

    public async Task ExecuteAsync(RunContext context)
    {
        var ct = context.Cancellation;
        var p = EncodingRidgeParameters.Parse(context.Parameters);
        ResponseSet set;
        List<(string Name, string? Sha, string? Split, string? Label)> stimuli;
        DatasetFile? reference;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            set = await db.ResponseSets.SingleAsync(r => r.Id == p.ResponseSetId, ct);
            stimuli = [.. (await db.Stimuli.Where(s => s.DatasetId == context.Run.DatasetId).OrderBy(s => s.Index).Select(s => new { s.Name, s.ImageSha256, s.Split, s.Label }).ToListAsync(ct))
                .Select(s => (s.Name, s.ImageSha256, s.Split, s.Label))];
            reference = set.ReferenceFileId is { } fileId ? await db.DatasetFiles.SingleOrDefaultAsync(f => f.Id == fileId, ct) : null;
        }

        context.Report("loading", 0, stimuli.Count);
        var samples = await SamplesAsync(p, set, stimuli, context.Run.Seed, ct);
        var (train, test) = (samples.TrainRows, samples.TestRows);
        await context.LogAsync(samples.Description + $", {set.UnitCount} {set.UnitKind.ToString().ToLowerInvariant()}s, features: {string.Join(" + ", p.FeatureKinds)}.");

        using var scope = NewDisposeScope();
        // Feature rows follow the samples: the stimulus shown in each training and test sample.
        var trainIndex = tensor(train.Select(i => (long)samples.StimulusOfSample[i]).ToArray());
        var testIndex = tensor(test.Select(i => (long)samples.StimulusOfSample[i]).ToArray());
        bool needsImages = features.NeedsImages(p.FeatureKinds);
        Tensor images = needsImages ? await EncodingJobSupport.LoadImagesAsync(store, context, stimuli.Select(s => s.Sha!).ToList(), ct) : empty(0);
        int size = FeatureInput.WorkingSize(p.ImageSize, needsImages ? (int)images.shape[1] : 0);
        var spaces = new List<(Tensor Train, Tensor Test, string Description)>();
        foreach (var kind in p.FeatureKinds)
        {
            spaces.Add(await FeaturesAsync(kind, p, context, images, size, trainIndex, testIndex, stimuli.Select(s => s.Label).ToList()));
        }
        var responses = samples.Responses;
        var trainRows = tensor(train.Select(i => (long)i).ToArray());
        var testRows = tensor(test.Select(i => (long)i).ToArray());
        if (p.Bands is not null)
        {
            await FitBandedAsync(context, p, set, reference, samples, spaces, trainRows, testRows, [.. stimuli.Select(s => s.Label)]);
            return;
        }
        var (trainFeatures, testFeatures, featureDescription) = spaces[0];
        await context.LogAsync($"Features: {featureDescription}.");

        int units = (int)responses.Shape[1];
        var allResponses = tensor(responses.AsSpan<float>().ToArray(), [responses.Shape[0], units]);
        var trainResponses = allResponses.index_select(0, trainRows);
        var testResponses = allResponses.index_select(0, testRows);
        var alphas = p.AlphaGrid;
        var unitR = new double[units];
        Array.Fill(unitR, double.NaN);
        var options = p.RidgeOptions(samples.Folds) with
        {
            BatchCompleted = batch =>
            {
                // Partial per-unit scores for the live histogram: correlation of this batch's test predictions.
                var r = EncodingJobSupport.Correlations(batch.TestPredictions, testResponses.narrow(1, batch.FirstUnit, batch.Count));
                Array.Copy(r, 0, unitR, batch.FirstUnit, batch.Count);
                context.Report("fitting units", batch.FirstUnit + batch.Count, units,
                    new Dictionary<string, double> { ["meanTestRSoFar"] = unitR.Where(double.IsFinite).DefaultIfEmpty(0).Average() },
                    new Dictionary<string, double[]> { ["unitTestR"] = r, ["firstUnit"] = [batch.FirstUnit] });
            },
        };
        using var result = RidgeCv.Fit(trainFeatures, trainResponses, testFeatures, testResponses, options,
            new EncodingJobSupport.SynchronousProgress<RidgeProgress>(rp => context.Report(rp.Stage == RidgeStage.Decomposing ? "decomposing folds" : "fitting units", rp.Step, rp.Total)), ct);

        context.Report("saving", 0, 1);
        var cvMean = result.CvScores.mean([1L]).to_type(ScalarType.Float64).data<double>().ToArray();
        context.Report("saving", 1, 1, new Dictionary<string, double> { ["meanTestR"] = result.MeanTestR }, new Dictionary<string, double[]> { ["cvScorePerAlpha"] = cvMean, ["alphas"] = alphas });
        await context.SaveArrayAsync("test_r", EncodingJobSupport.Vector(result.TestR));
        await context.SaveArrayAsync("test_r2", EncodingJobSupport.Vector(result.TestR2));
        await context.SaveArrayAsync("best_alpha", EncodingJobSupport.Vector(result.BestAlpha));
        await context.SaveArrayAsync("cv_scores", EncodingJobSupport.FromTensor(result.CvScores));
        if (result.Weights is { } weights)
        {
            await context.SaveArrayAsync("weights", EncodingJobSupport.FromTensor(weights));
        }
        if (result.TestPredictions is { } predictions)
        {
            await context.SaveArrayAsync("test_predictions", EncodingJobSupport.FromTensor(predictions));
        }
        await SaveSampleArraysAsync(context, samples, testResponses);

        // Significance of each unit's test r: permutation p-values, Benjamini-Hochberg q-values.
        int significant = -1;
        if (p.Permutations > 0 && test.Length >= 3 && result.TestPredictions is { } testPredictions)
        {
            context.Report("permutation test", 0, 1);
            var permutation = PermutationTest.Run(testPredictions, testResponses, p.Permutations, (ulong)context.Run.Seed, cancellationToken: ct);
            var q = FalseDiscoveryRate.BenjaminiHochberg(permutation.PValues);
            significant = q.Count(v => v <= p.FdrQ);
            await context.SaveArrayAsync("p_values", EncodingJobSupport.Vector(permutation.PValues));
            await context.SaveArrayAsync("q_values", EncodingJobSupport.Vector(q));
            await context.LogAsync($"{significant} of {units} units have test r above chance at FDR q <= {p.FdrQ} ({p.Permutations} permutations).");
        }

        // Noise ceiling from repeated trials when the response set has them.
        double? meanCeiling = null, meanFraction = null;
        var maps = new List<(string Name, IReadOnlyList<double> Values)> { ("test_r", result.TestR), ("test_r2", result.TestR2), ("best_alpha", result.BestAlpha) };
        if (set.TrialsSha256 is not null)
        {
            NumericArray trials = samples.Trials ?? await ReadTrialsAsync(set, ct);
            // The ceiling of the test stimuli, for the responses the model is scored on: trial means, or single trials.
            var testStimuli = tensor(test.Select(i => (long)samples.StimulusOfSample[i]).Distinct().Order().ToArray());
            var trialTensor = tensor(trials.ToFloat32(), [.. trials.Shape]).index_select(1, testStimuli);
            var ceiling = NoiseCeiling.Compute(trialTensor, samples.Trials is null ? null : 1);
            var fraction = ceiling.FractionOfCeiling(result.TestR2);
            await context.SaveArrayAsync("noise_ceiling_percent", EncodingJobSupport.Vector(ceiling.CeilingPercent));
            await context.SaveArrayAsync("fraction_of_ceiling_percent", EncodingJobSupport.Vector(fraction));
            meanCeiling = ceiling.CeilingPercent.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
            meanFraction = fraction.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
            maps.Add(("noise_ceiling_percent", ceiling.CeilingPercent));
            maps.Add(("fraction_of_ceiling_percent", fraction));
            await context.LogAsync($"Noise ceiling (NSD definition, {trials.Shape[0]} repeats, scored on {(samples.Trials is null ? $"means of {trials.Shape[0]}" : "single")} trials): mean {meanCeiling:0.0}% of variance; models reach {meanFraction:0.0}% of it on average.");
        }
        await context.SaveFileAsync("units.csv", "table", "csv", s => WriteCsv(s, result));
        await SaveMapsAsync(context, set, reference, maps, () => PreferredCategory(samples, stimuli.Select(s => s.Label).ToList(), allResponses, trainRows));
        await context.SetSummaryAsync(new
        {
            meanTestR = result.MeanTestR,
            medianTestR = Median(result.TestR),
            units,
            samples = p.Samples,
            trainStimuli = train.Length,
            testStimuli = test.Length,
            trainRepeats = samples.TrainRepeats,
            testRepeats = samples.TestRepeats,
            features = featureDescription,
            featureCount = (int)trainFeatures.shape[1],
            alphas,
            cvScorePerAlpha = cvMean,
            bestAlphaCounts = alphas.Select(a => result.BestAlpha.Count(b => b == a)).ToArray(),
            significantUnits = significant >= 0 ? significant : (int?)null,
            fdrQ = p.FdrQ,
            meanNoiseCeilingPercent = meanCeiling,
            meanFractionOfCeilingPercent = meanFraction,
        });
        await context.LogAsync($"Mean test r = {result.MeanTestR:0.0000} over {units} units.");
    }

    /// <summary>
    /// Banded ridge over the feature spaces of <paramref name="spaces"/>: per unit the band weights (random candidates on
    /// the simplex, seeded by the run) and the overall alpha are chosen by CV; artifacts as for one space plus each
    /// unit's band weights and split test R^2 per band.
    /// </summary>
    private async Task FitBandedAsync(
        RunContext context, EncodingRidgeParameters p, ResponseSet set, DatasetFile? reference, Samples samples,
        List<(Tensor Train, Tensor Test, string Description)> spaces, Tensor trainIndex, Tensor testIndex, IReadOnlyList<string?> labels)
    {
        var ct = context.Cancellation;
        var (responses, train, test) = (samples.Responses, samples.TrainRows, samples.TestRows);
        var description = "banded: " + string.Join(" | ", spaces.Select(b => b.Description));
        await context.LogAsync($"Features: {description}.");
        int units = (int)responses.Shape[1];
        var allResponses = tensor(responses.AsSpan<float>().ToArray(), [responses.Shape[0], units]);
        var trainResponses = allResponses.index_select(0, trainIndex);
        var testResponses = allResponses.index_select(0, testIndex);
        var alphas = p.AlphaGrid;
        var options = new BandedRidgeOptions
        {
            Alphas = alphas,
            Folds = samples.Folds,
            FitIntercept = p.Intercept,
            Candidates = p.BandCandidates,
            Seed = (ulong)context.Run.Seed,
        };
        using var result = BandedRidge.Fit([.. spaces.Select(b => b.Train)], trainResponses, [.. spaces.Select(b => b.Test)], testResponses, options,
            new EncodingJobSupport.SynchronousProgress<RidgeProgress>(rp => context.Report(
                $"band candidate {rp.Round + 1}: " + (rp.Stage == RidgeStage.Decomposing ? "decomposing folds" : "fitting units"), rp.Step, rp.Total)), ct);

        context.Report("saving", 0, 1);
        // CV curve: per alpha, the mean over units of the best candidate's score.
        var cvMean = result.CvScores.mean([2L]).max(0).values.to_type(ScalarType.Float64).data<double>().ToArray();
        int bands = spaces.Count;
        var unitBandWeights = new double[units * bands];
        for (int u = 0; u < units; u++)
        {
            for (int b = 0; b < bands; b++)
            {
                unitBandWeights[u * bands + b] = result.BandWeights[result.BestCandidate[u]][b];
            }
        }
        context.Report("saving", 1, 1, new Dictionary<string, double> { ["meanTestR"] = Mean(result.TestR) }, new Dictionary<string, double[]> { ["cvScorePerAlpha"] = cvMean, ["alphas"] = alphas });
        await context.SaveArrayAsync("test_r", EncodingJobSupport.Vector(result.TestR));
        await context.SaveArrayAsync("test_r2", EncodingJobSupport.Vector(result.TestR2));
        await context.SaveArrayAsync("best_alpha", EncodingJobSupport.Vector(result.BestAlpha));
        await context.SaveArrayAsync("band_weights", new NumericArray(NumericType.Float64, [units, bands], unitBandWeights));
        await context.SaveArrayAsync("band_r2", EncodingJobSupport.FromTensor(result.BandR2));
        await context.SaveArrayAsync("weights", EncodingJobSupport.FromTensor(result.Weights));
        await context.SaveArrayAsync("test_predictions", EncodingJobSupport.FromTensor(result.TestPredictions));
        await SaveSampleArraysAsync(context, samples, testResponses);
        await context.SaveFileAsync("units.csv", "table", "csv", s => WriteCsv(s, result.TestR, result.TestR2, result.BestAlpha));
        await SaveMapsAsync(context, set, reference, [("test_r", result.TestR), ("test_r2", result.TestR2), ("best_alpha", result.BestAlpha)],
            () => PreferredCategory(samples, labels, allResponses, trainIndex));
        var meanBandWeight = Enumerable.Range(0, bands).Select(b => Enumerable.Range(0, units).Average(u => unitBandWeights[u * bands + b])).ToArray();
        await context.SetSummaryAsync(new
        {
            meanTestR = Mean(result.TestR),
            medianTestR = Median(result.TestR),
            units,
            samples = p.Samples,
            trainStimuli = train.Length,
            testStimuli = test.Length,
            trainRepeats = samples.TrainRepeats,
            testRepeats = samples.TestRepeats,
            features = description,
            featureCount = result.BandSizes.Sum(),
            bands = p.Bands,
            bandSizes = result.BandSizes,
            meanBandWeight,
            alphas,
            cvScorePerAlpha = cvMean,
            bestAlphaCounts = alphas.Select(a => result.BestAlpha.Count(b => b == a)).ToArray(),
        });
        await context.LogAsync($"Mean test r = {Mean(result.TestR):0.0000} over {units} units; mean band weights " +
            string.Join(", ", p.Bands!.Select((b, i) => string.Create(CultureInfo.InvariantCulture, $"{b} {meanBandWeight[i]:0.00}"))) + ".");
    }

    /// <summary>
    /// The samples a run fits: the response set's rows (one per stimulus, split by the dataset's marks or at random,
    /// contiguous CV folds), or its single trials in repeat-major order (the last repeats held out, CV folds of whole
    /// repeats).
    /// </summary>
    internal sealed record Samples(
        NumericArray Responses, int[] StimulusOfSample, int[] TrainRows, int[] TestRows, RidgeFolds Folds, string Description,
        NumericArray? Trials = null, int? TrainRepeats = null, int? TestRepeats = null);

    internal async Task<Samples> SamplesAsync(
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

    private async Task<NumericArray> ReadTrialsAsync(ResponseSet set, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        await using var stream = store.OpenRead(set.TrialsSha256!);
        return NpyReader.Read(stream, "trials.npy").ToCOrder();
    }

    /// <summary>The stimulus of each test sample; with single trials also the measured test responses, which then differ from the set's rows.</summary>
    private static async Task SaveSampleArraysAsync(RunContext context, Samples samples, Tensor testResponses)
    {
        int[] stimulusOfTest = [.. samples.TestRows.Select(i => samples.StimulusOfSample[i])];
        await context.SaveArrayAsync("test_stimulus_index", new NumericArray(NumericType.Int32, [stimulusOfTest.Length], stimulusOfTest));
        if (samples.Trials is not null)
        {
            await context.SaveArrayAsync("test_responses", EncodingJobSupport.FromTensor(testResponses));
            int count = (int)samples.Trials.Shape[1];
            int[] repeatOfTest = [.. samples.TestRows.Select(i => i / count)];
            await context.SaveArrayAsync("test_repeat_index", new NumericArray(NumericType.Int32, [repeatOfTest.Length], repeatOfTest));
        }
    }

    private static double Mean(IReadOnlyList<double> values) => values.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();

    /// <summary>The upper median of the finite values (NaN when there are none), as the run summaries report it.</summary>
    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    /// <summary>
    /// The rows of feature space <paramref name="kind"/> (from the registry) for the training and test samples of
    /// <paramref name="images"/>/<paramref name="labels"/>; a fitted space (PCA) learns from the training rows only.
    /// </summary>
    internal async Task<(Tensor Train, Tensor Test, string Description)> FeaturesAsync(
        string kind, EncodingRidgeParameters p, RunContext context, Tensor images, int size, Tensor trainIndex, Tensor testIndex, IReadOnlyList<string?> labels)
    {
        var input = new FeatureInput
        {
            Images = images,
            ImageSize = size,
            Labels = labels,
            FitRows = trainIndex.data<long>().ToArray(),
            Progress = new EncodingJobSupport.SynchronousProgress<FeatureProgress>(f => context.Report("features", f.ImagesDone, f.ImagesTotal)),
        };
        var matrix = await features.Get(kind).ComputeAsync(p.FeatureParameters, input, context.Cancellation);
        return (matrix.Values.index_select(0, trainIndex), matrix.Values.index_select(0, testIndex), matrix.Description);
    }

    /// <summary>Whether the run's feature spaces read the stimulus images.</summary>
    internal bool NeedsImages(EncodingRidgeParameters p) => features.NeedsImages(p.FeatureKinds);

    private static void WriteCsv(Stream stream, RidgeCvResult result) => WriteCsv(stream, result.TestR, result.TestR2, result.BestAlpha);

    internal static void WriteCsv(Stream stream, IReadOnlyList<double> testR, IReadOnlyList<double> testR2, IReadOnlyList<double> bestAlpha)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        writer.WriteLine("unit,test_r,test_r2,best_alpha");
        for (int u = 0; u < testR.Count; u++)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{u},{testR[u]:G6},{testR2[u]:G6},{bestAlpha[u]:G6}"));
        }
    }

    /// <summary>
    /// Each unit's preferred category when every stimulus has a label: the label with the highest mean response over the
    /// training samples, as 1-based indices into the returned names (sorted); null without labels.
    /// </summary>
    private static (IReadOnlyList<double> Index, IReadOnlyList<string> Names)? PreferredCategory(Samples samples, IReadOnlyList<string?> labels, Tensor responses, Tensor trainRows)
    {
        if (labels.Count == 0 || labels.Any(string.IsNullOrWhiteSpace))
        {
            return null;
        }
        var names = labels.Select(l => l!.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        using var scope = NewDisposeScope();
        var train = responses.index_select(0, trainRows).to_type(ScalarType.Float64);
        long[] rows = trainRows.data<long>().ToArray();
        int units = (int)train.shape[1];
        var sums = new double[names.Count, units];
        var counts = new int[names.Count];
        var values = train.contiguous().data<double>().ToArray();
        for (int r = 0; r < rows.Length; r++)
        {
            int c = names.IndexOf(labels[samples.StimulusOfSample[(int)rows[r]]]!.Trim());
            counts[c]++;
            for (int u = 0; u < units; u++)
            {
                sums[c, u] += values[(long)r * units + u];
            }
        }
        var best = new double[units];
        for (int u = 0; u < units; u++)
        {
            int arg = -1;
            double max = double.NegativeInfinity;
            for (int c = 0; c < names.Count; c++)
            {
                if (counts[c] > 0 && sums[c, u] / counts[c] > max)
                {
                    (max, arg) = (sums[c, u] / counts[c], c);
                }
            }
            best[u] = arg + 1;
        }
        return (best, names);
    }

    /// <summary>
    /// Writes per-unit maps as NIfTI volumes on the reference volume's grid (NaN outside the units), plus the preferred
    /// category map and its names (preferred_category_labels.json: value -> name) when the stimuli are labelled. Nothing
    /// for units that are not voxels with coordinates in a NIfTI reference volume.
    /// </summary>
    private async Task SaveMapsAsync(RunContext context, ResponseSet set, DatasetFile? reference, IReadOnlyList<(string Name, IReadOnlyList<double> Values)> maps,
        Func<(IReadOnlyList<double> Index, IReadOnlyList<string> Names)?> category)
    {
        if (await geometry.ForResponseSetAsync(set, reference) is not { } units)
        {
            return;
        }
        if (category() is { } c)
        {
            maps = [.. maps, ("preferred_category", c.Index)];
            await context.SaveFileAsync("preferred_category_labels.json", "json", "json",
                s => JsonSerializer.Serialize(s, c.Names.Select((n, i) => (i + 1, n)).ToDictionary(p => p.Item1.ToString(CultureInfo.InvariantCulture), p => p.n)));
        }
        foreach (var (name, values) in maps)
        {
            await context.SaveFileAsync(name + ".nii.gz", "map", "nii.gz", s => units.WriteVolume(s, values, $"NeuroLab {name}"), units.Shape);
        }
    }
}
