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
/// Fits a voxelwise/neuronwise ridge encoding model: features of the stimulus images (raw pixels, PCA of
/// pixels fitted on the training stimuli, or the Gabor wavelet pyramid energy model) predict every unit of a
/// response set; each unit's alpha is chosen by k-fold cross-validation on the training stimuli
/// (<see cref="RidgeCv"/>), the model is refitted and scored on the held-out test stimuli. Artifacts: weights,
/// best alphas, CV scores, test r and R², test predictions (.npy), a CSV summary, and NIfTI maps of test r and
/// best alpha in the reference volume when units are voxels with coordinates.
/// </summary>
public sealed class EncodingRidgeJob(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, FeatureSpaceRegistry features, EncodingSamples data, UnitGeometryService geometry)
    : IRunJob<EncodingRidgeParameters, EncodingRidgeSummary>
{
    public static RunKindInfo Info { get; } = new(
        RunKindNames.EncodingRidge,
        "Ridge regression, per-unit CV alpha",
        "Features of the stimuli (a feature space, or two or more as banded ridge) predict every unit; each unit's " +
        "regularisation is chosen by cross-validation on the training samples, and the model is scored on held-out " +
        "samples (test r and R² per unit, permutation p-values, noise ceiling when the responses have repeats).",
        RunInput.ResponseSet,
        EncodingRidgeArtifacts.All)
    {
        Order = 0,
        HeldOut = new(EncodingRidgeArtifacts.TestPredictions, EncodingRidgeArtifacts.TestStimulusIndex, EncodingRidgeArtifacts.TestResponses),
    };

    public Task<EncodingRidgeParameters> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct) =>
        request.ResponseSetId is { } set
            ? EncodingRidgeDefaults.ForAsync(dbFactory, store, request.DatasetId, set, ct)
            : Task.FromResult(new EncodingRidgeParameters());

    public string Describe(EncodingRidgeParameters parameters) =>
        "ridge · " + string.Join("+", parameters.FeatureKinds);

    public async Task ValidateAsync(EncodingRidgeParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        problems.AddUnknown(features.CheckNames(p.FeatureParameterName, p.FeatureKinds));
        problems.OneOf("samples", p.Samples, ("stimuli", "one per stimulus"), ("trials", "one per single trial, split by repeat"));
        if (p.Bands is { } bands && (bands.Length < 2 || bands.Distinct().Count() != bands.Length))
        {
            problems.Add("Banded ridge needs two or more different feature spaces in bands, e.g. [\"gabor\", \"pca\"].");
        }
        if (p.Bands is not null)
        {
            RunParameterChecks.InRange(problems, "bandCandidates", p.BandCandidates, 1, 1000);
        }
        problems.OneOf("split", p.Split, ("dataset", "the stimuli's train/test marks"), ("random", ""));
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
            return;
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
    }

    public async Task<EncodingRidgeSummary> ExecuteAsync(EncodingRidgeParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        ResponseSet set;
        List<(string Name, string? Sha, string? Split, string? Label)> stimuli;
        DatasetFile? reference;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            set = await db.ResponseSets.SingleAsync(r => r.Id == p.ResponseSetId, ct);
            stimuli = await EncodingSamples.StimuliAsync(db, context.Run.DatasetId, ct);
            reference = set.ReferenceFileId is { } fileId ? await db.DatasetFiles.SingleOrDefaultAsync(f => f.Id == fileId, ct) : null;
        }

        context.Report("loading", 0, stimuli.Count);
        var samples = await data.SamplesAsync(p, set, stimuli, context.Run.Seed, ct);
        var (train, test) = (samples.TrainRows, samples.TestRows);
        await context.LogAsync(samples.Description + $", {set.UnitCount} {set.UnitKind.ToString().ToLowerInvariant()}s, features: {string.Join(" + ", p.FeatureKinds)}.");

        using var scope = NewDisposeScope();
        // Feature rows follow the samples: the stimulus shown in each training and test sample.
        var (trainIndex, testIndex) = samples.StimulusRows();
        bool needsImages = features.NeedsImages(p.FeatureKinds);
        Tensor images = needsImages ? await EncodingJobSupport.LoadImagesAsync(store, context, stimuli.Select(s => s.Sha!).ToList(), ct) : empty(0);
        int size = FeatureInput.WorkingSize(p.ImageSize, needsImages ? (int)images.shape[1] : 0);
        var spaces = new List<(Tensor Train, Tensor Test, string Description)>();
        foreach (var kind in p.FeatureKinds)
        {
            spaces.Add(await data.FeaturesAsync(kind, p, context, images, size, trainIndex, testIndex, stimuli.Select(s => s.Label).ToList(),
                stimuli.Select(s => s.Sha).ToList()));
        }
        var (allResponses, trainResponses, testResponses) = samples.ResponseTensors();
        if (p.Bands is not null)
        {
            return await FitBandedAsync(context, p, set, reference, samples, spaces, trainResponses, testResponses, [.. stimuli.Select(s => s.Label)]);
        }
        var (trainFeatures, testFeatures, featureDescription) = spaces[0];
        await context.LogAsync($"Features: {featureDescription}.");

        int units = (int)allResponses.shape[1];
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
        await context.SaveArrayAsync(EncodingRidgeArtifacts.TestR, EncodingJobSupport.Vector(result.TestR));
        await context.SaveArrayAsync(EncodingRidgeArtifacts.TestR2, EncodingJobSupport.Vector(result.TestR2));
        await context.SaveArrayAsync(EncodingRidgeArtifacts.BestAlpha, EncodingJobSupport.Vector(result.BestAlpha));
        await context.SaveArrayAsync(EncodingRidgeArtifacts.CvScores, EncodingJobSupport.FromTensor(result.CvScores));
        if (result.Weights is { } weights)
        {
            await context.SaveArrayAsync(EncodingRidgeArtifacts.Weights, EncodingJobSupport.FromTensor(weights));
        }
        if (result.TestPredictions is { } predictions)
        {
            await context.SaveArrayAsync(EncodingRidgeArtifacts.TestPredictions, EncodingJobSupport.FromTensor(predictions));
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
            await context.SaveArrayAsync(EncodingRidgeArtifacts.PValues, EncodingJobSupport.Vector(permutation.PValues));
            await context.SaveArrayAsync(EncodingRidgeArtifacts.QValues, EncodingJobSupport.Vector(q));
            await context.LogAsync($"{significant} of {units} units have test r above chance at FDR q <= {p.FdrQ} ({p.Permutations} permutations).");
        }

        // Noise ceiling from repeated trials when the response set has them.
        double? meanCeiling = null, meanFraction = null;
        var maps = new List<(ArtifactSpec Map, IReadOnlyList<double> Values)> { (EncodingRidgeArtifacts.TestRMap, result.TestR), (EncodingRidgeArtifacts.TestR2Map, result.TestR2), (EncodingRidgeArtifacts.BestAlphaMap, result.BestAlpha) };
        if (set.TrialsSha256 is not null)
        {
            NumericArray trials = samples.Trials ?? await data.ReadTrialsAsync(set, ct);
            // The ceiling of the test stimuli, for the responses the model is scored on: trial means, or single trials.
            var testStimuli = tensor(test.Select(i => (long)samples.StimulusOfSample[i]).Distinct().Order().ToArray());
            var trialTensor = tensor(trials.ToFloat32(), [.. trials.Shape]).index_select(1, testStimuli);
            var ceiling = NoiseCeiling.Compute(trialTensor, samples.Trials is null ? null : 1);
            var fraction = ceiling.FractionOfCeiling(result.TestR2);
            await context.SaveArrayAsync(EncodingRidgeArtifacts.NoiseCeiling, EncodingJobSupport.Vector(ceiling.CeilingPercent));
            await context.SaveArrayAsync(EncodingRidgeArtifacts.FractionOfCeiling, EncodingJobSupport.Vector(fraction));
            meanCeiling = EncodingJobSupport.FiniteMean(ceiling.CeilingPercent);
            meanFraction = EncodingJobSupport.FiniteMean(fraction);
            maps.Add((EncodingRidgeArtifacts.NoiseCeilingMap, ceiling.CeilingPercent));
            maps.Add((EncodingRidgeArtifacts.FractionOfCeilingMap, fraction));
            await context.LogAsync($"Noise ceiling (NSD definition, {trials.Shape[0]} repeats, scored on {(samples.Trials is null ? $"means of {trials.Shape[0]}" : "single")} trials): mean {meanCeiling:0.0}% of variance; models reach {meanFraction:0.0}% of it on average.");
        }
        await context.SaveFileAsync(EncodingRidgeArtifacts.Units, s => WriteCsv(s, result));
        await SaveMapsAsync(context, set, reference, maps, () => PreferredCategory(samples, stimuli.Select(s => s.Label).ToList(), trainResponses));
        await context.LogAsync($"Mean test r = {result.MeanTestR:0.0000} over {units} units.");
        return Summary(p, samples, result.TestR, units, featureDescription, (int)trainFeatures.shape[1], alphas, cvMean, result.BestAlpha) with
        {
            MeanTestR = result.MeanTestR,
            SignificantUnits = significant >= 0 ? significant : null,
            FdrQ = p.FdrQ,
            MeanNoiseCeilingPercent = meanCeiling,
            MeanFractionOfCeilingPercent = meanFraction,
        };
    }

    /// <summary>The summary fields a single-space and a banded fit share.</summary>
    private static EncodingRidgeSummary Summary(
        EncodingRidgeParameters p, EncodingSamples.Samples samples, IReadOnlyList<double> testR, int units, string features, int featureCount,
        double[] alphas, double[] cvMean, IReadOnlyList<double> bestAlpha) => new()
    {
        MeanTestR = Mean(testR),
        MedianTestR = Median(testR),
        Units = units,
        Samples = p.Samples,
        TrainStimuli = samples.TrainRows.Length,
        TestStimuli = samples.TestRows.Length,
        TrainRepeats = samples.TrainRepeats,
        TestRepeats = samples.TestRepeats,
        Features = features,
        FeatureCount = featureCount,
        Alphas = alphas,
        CvScorePerAlpha = cvMean,
        BestAlphaCounts = [.. alphas.Select(a => bestAlpha.Count(b => b == a))],
    };

    /// <summary>
    /// Banded ridge over the feature spaces of <paramref name="spaces"/>: per unit the band weights (random candidates on
    /// the simplex, seeded by the run) and the overall alpha are chosen by CV; artifacts as for one space plus each
    /// unit's band weights and split test R^2 per band.
    /// </summary>
    private async Task<EncodingRidgeSummary> FitBandedAsync(
        RunContext context, EncodingRidgeParameters p, ResponseSet set, DatasetFile? reference, EncodingSamples.Samples samples,
        List<(Tensor Train, Tensor Test, string Description)> spaces, Tensor trainResponses, Tensor testResponses, IReadOnlyList<string?> labels)
    {
        var ct = context.Cancellation;
        var responses = samples.Responses;
        var description = "banded: " + string.Join(" | ", spaces.Select(b => b.Description));
        await context.LogAsync($"Features: {description}.");
        int units = (int)responses.Shape[1];
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
        await context.SaveArrayAsync(EncodingRidgeArtifacts.TestR, EncodingJobSupport.Vector(result.TestR));
        await context.SaveArrayAsync(EncodingRidgeArtifacts.TestR2, EncodingJobSupport.Vector(result.TestR2));
        await context.SaveArrayAsync(EncodingRidgeArtifacts.BestAlpha, EncodingJobSupport.Vector(result.BestAlpha));
        await context.SaveArrayAsync(EncodingRidgeArtifacts.BandWeights, new NumericArray(NumericType.Float64, [units, bands], unitBandWeights));
        await context.SaveArrayAsync(EncodingRidgeArtifacts.BandR2, EncodingJobSupport.FromTensor(result.BandR2));
        await context.SaveArrayAsync(EncodingRidgeArtifacts.Weights, EncodingJobSupport.FromTensor(result.Weights));
        await context.SaveArrayAsync(EncodingRidgeArtifacts.TestPredictions, EncodingJobSupport.FromTensor(result.TestPredictions));
        await SaveSampleArraysAsync(context, samples, testResponses);
        await context.SaveFileAsync(EncodingRidgeArtifacts.Units, s => WriteCsv(s, result.TestR, result.TestR2, result.BestAlpha));
        await SaveMapsAsync(context, set, reference, [(EncodingRidgeArtifacts.TestRMap, result.TestR), (EncodingRidgeArtifacts.TestR2Map, result.TestR2), (EncodingRidgeArtifacts.BestAlphaMap, result.BestAlpha)],
            () => PreferredCategory(samples, labels, trainResponses));
        var meanBandWeight = Enumerable.Range(0, bands).Select(b => Enumerable.Range(0, units).Average(u => unitBandWeights[u * bands + b])).ToArray();
        await context.LogAsync($"Mean test r = {Mean(result.TestR):0.0000} over {units} units; mean band weights " +
            string.Join(", ", p.Bands!.Select((b, i) => string.Create(CultureInfo.InvariantCulture, $"{b} {meanBandWeight[i]:0.00}"))) + ".");
        return Summary(p, samples, result.TestR, units, description, result.BandSizes.Sum(), alphas, cvMean, result.BestAlpha) with
        {
            Bands = p.Bands,
            BandSizes = [.. result.BandSizes],
            MeanBandWeight = meanBandWeight,
        };
    }

    /// <summary>The stimulus of each test sample; with single trials also the measured test responses, which then differ from the set's rows.</summary>
    private static async Task SaveSampleArraysAsync(RunContext context, EncodingSamples.Samples samples, Tensor testResponses)
    {
        int[] stimulusOfTest = [.. samples.TestRows.Select(i => samples.StimulusOfSample[i])];
        await context.SaveArrayAsync(EncodingRidgeArtifacts.TestStimulusIndex, new NumericArray(NumericType.Int32, [stimulusOfTest.Length], stimulusOfTest));
        if (samples.Trials is not null)
        {
            await context.SaveArrayAsync(EncodingRidgeArtifacts.TestResponses, EncodingJobSupport.FromTensor(testResponses));
            int count = (int)samples.Trials.Shape[1];
            int[] repeatOfTest = [.. samples.TestRows.Select(i => i / count)];
            await context.SaveArrayAsync(EncodingRidgeArtifacts.TestRepeatIndex, new NumericArray(NumericType.Int32, [repeatOfTest.Length], repeatOfTest));
        }
    }

    private static double Mean(IReadOnlyList<double> values) => EncodingJobSupport.FiniteMean(values);

    /// <summary>The upper median of the finite values (NaN when there are none), as the run summaries report it.</summary>
    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

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
    private static (IReadOnlyList<double> Index, IReadOnlyList<string> Names)? PreferredCategory(EncodingSamples.Samples samples, IReadOnlyList<string?> labels, Tensor trainResponses)
    {
        if (labels.Count == 0 || labels.Any(string.IsNullOrWhiteSpace))
        {
            return null;
        }
        var names = labels.Select(l => l!.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        using var scope = NewDisposeScope();
        var train = trainResponses.to_type(ScalarType.Float64);
        int[] rows = samples.TrainRows;
        int units = (int)train.shape[1];
        var sums = new double[names.Count, units];
        var counts = new int[names.Count];
        var values = train.contiguous().data<double>().ToArray();
        for (int r = 0; r < rows.Length; r++)
        {
            int c = names.IndexOf(labels[samples.StimulusOfSample[rows[r]]]!.Trim());
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
    private async Task SaveMapsAsync(RunContext context, ResponseSet set, DatasetFile? reference, IReadOnlyList<(ArtifactSpec Map, IReadOnlyList<double> Values)> maps,
        Func<(IReadOnlyList<double> Index, IReadOnlyList<string> Names)?> category)
    {
        if (await geometry.ForResponseSetAsync(set, reference) is not { } units)
        {
            return;
        }
        if (category() is { } c)
        {
            maps = [.. maps, (EncodingRidgeArtifacts.PreferredCategoryMap, c.Index)];
            await context.SaveFileAsync(EncodingRidgeArtifacts.PreferredCategoryLabels, s => EncodingJobSupport.WriteValueNames(s, c.Names));
        }
        foreach (var (map, values) in maps)
        {
            var name = map.FileName[..^".nii.gz".Length];
            await context.SaveFileAsync(map, s => units.WriteVolume(s, values, $"NeuroLab {name}"), units.Shape);
        }
    }
}
