using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Encoding;
using NeuroLab.Analysis.Features;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Geometry;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Nifti;
using static TorchSharp.torch;

namespace NeuroLab.Compute.RunKinds.EncodingHierarchy;

/// <summary>
/// The hierarchy figure: one ridge encoding model per stage of a feature hierarchy (a network's stages, or any
/// feature spaces in order), each unit's alpha chosen by CV within the stage, all on the same samples and split; per
/// unit the best stage, per unit group (all units, each of the dataset's masks on the units' grid) the mean test r of
/// every stage. Validation is encoding-ridge's, stage by stage.
/// </summary>
public sealed class EncodingHierarchyJob(
    IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, FeatureSpaceRegistry features, EncodingSamples data,
    UnitGeometryService geometry, EncodingRidgeJob ridge)
    : IRunJob<EncodingHierarchyParameters, EncodingHierarchySummary>
{
    /// <summary>The built-in network whose stages are the default hierarchy when the server has it.</summary>
    public const string DefaultNetworkPrefix = "resnet18:";

    /// <summary>Most resamples of the test stimuli a run may ask for.</summary>
    public const int MaxBootstrap = 10_000;

    public static RunKindInfo Info { get; } = new(
        RunKindNames.EncodingHierarchy,
        "Feature hierarchy: which stage predicts each unit",
        "One ridge encoding model per stage of a feature hierarchy (a network's stages, or feature spaces in order) on the " +
        "same samples: each unit's best stage (a map for voxels) and a stage-by-region table of mean test r, the classic " +
        "hierarchy figure.",
        RunInput.ResponseSet,
        EncodingHierarchyArtifacts.All)
    {
        Order = 20,
    };

    /// <summary>The stages a run uses: the ones named, else the built-in network's, else pixels then gabor.</summary>
    public IReadOnlyList<string> StagesOf(EncodingHierarchyParameters p)
    {
        if (p.Stages is { } named)
        {
            return named;
        }
        var network = features.All.Where(s => s.Name.StartsWith(DefaultNetworkPrefix, StringComparison.Ordinal)).Select(s => s.Name).ToList();
        return network.Count >= 2 ? network : ["pixels", "gabor"];
    }

    public async Task<EncodingHierarchyParameters> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct)
    {
        if (request.ResponseSetId is not { } set)
        {
            return new EncodingHierarchyParameters();
        }
        // The data's split, samples and folds as encoding-ridge chooses them; the stages read images.
        var ridgeDefaults = await EncodingRidgeDefaults.ForAsync(dbFactory, store, request.DatasetId, set, ct);
        return new EncodingHierarchyParameters
        {
            Stages = [.. StagesOf(new EncodingHierarchyParameters())],
            ImageSize = ridgeDefaults.ImageSize,
            Folds = ridgeDefaults.Folds,
            Split = ridgeDefaults.Split,
            Samples = ridgeDefaults.Samples,
        };
    }

    public string Describe(EncodingHierarchyParameters parameters) =>
        "hierarchy · " + string.Join(" > ", StagesOf(parameters));

    public async Task ValidateAsync(EncodingHierarchyParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        var stages = StagesOf(p);
        if (stages.Count < 2 || stages.Distinct(StringComparer.Ordinal).Count() != stages.Count)
        {
            problems.Add("stages must name two or more different feature spaces, in the order of the hierarchy.");
        }
        RunParameterChecks.InRange(problems, "the number of stages", stages.Count, 0, 32);
        RunParameterChecks.InRange(problems, "bootstrap", p.Bootstrap, 0, MaxBootstrap);
        // Each stage is an encoding-ridge fit on the same samples: one ridge validation over all stages (as bands, so every
        // space and the data are checked once), its messages naming "stages".
        var distinct = stages.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length == 0)
        {
            return;
        }
        var stageProblems = new RunProblems();
        await ridge.ValidateAsync(distinct.Length >= 2 ? p.Stage(distinct[0]) with { Bands = distinct } : p.Stage(distinct[0]), submission, stageProblems, ct);
        problems.Include(stageProblems, problem => problem.Replace("bands: ", "stages: ", StringComparison.Ordinal).Replace("features: ", "stages: ", StringComparison.Ordinal));
    }

    public async Task<EncodingHierarchySummary> ExecuteAsync(EncodingHierarchyParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        var stages = StagesOf(p);
        ResponseSet set;
        List<(string Name, string? Sha, string? Split, string? Label)> stimuli;
        DatasetFile? reference;
        List<DatasetFile> masks;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            set = await db.ResponseSets.SingleAsync(r => r.Id == p.ResponseSetId, ct);
            stimuli = await EncodingSamples.StimuliAsync(db, context.Run.DatasetId, ct);
            reference = set.ReferenceFileId is { } fileId ? await db.DatasetFiles.SingleOrDefaultAsync(f => f.Id == fileId, ct) : null;
            masks = await db.DatasetFiles.Where(f => f.DatasetId == context.Run.DatasetId && f.Role == FileRole.Mask && f.Format == "nifti").OrderBy(f => f.FileName).ToListAsync(ct);
        }
        var first = p.Stage(stages[0]);
        var samples = await data.SamplesAsync(first, set, stimuli, context.Run.Seed, ct);
        await context.LogAsync($"{samples.Description}; {stages.Count} stages: {string.Join(" > ", stages)}.");

        using var scope = NewDisposeScope();
        var (trainIndex, testIndex) = samples.StimulusRows();
        bool needsImages = features.NeedsImages(stages);
        Tensor images = needsImages ? await EncodingJobSupport.LoadImagesAsync(store, context, stimuli.Select(s => s.Sha!).ToList(), ct) : empty(0);
        int size = FeatureInput.WorkingSize(p.ImageSize, needsImages ? (int)images.shape[1] : 0);
        int units = (int)samples.Responses.Shape[1];
        var (_, trainResponses, testResponses) = samples.ResponseTensors();

        // The unit groups (all units, then each mask on the units' grid) are known before any stage is fitted.
        var units3d = await geometry.ForResponseSetAsync(set, reference, ct);
        var members = new List<(string Name, List<int> Units)> { ("all units", Enumerable.Range(0, units).ToList()) };
        if (units3d is not null)
        {
            foreach (var mask in masks)
            {
                if (UnitsInMask(units3d, mask) is { Count: > 0 } inMask)
                {
                    members.Add((Path.GetFileName(mask.FileName), inMask));
                }
            }
        }
        // One set of resamples of the test stimuli for every stage, so the stages' intervals are comparable.
        int[] testStimulus = [.. samples.TestRows.Select(r => samples.StimulusOfSample[r])];
        using var counts = p.Bootstrap > 0 && testStimulus.Length > 0 ? TestSetBootstrap.Counts(testStimulus, p.Bootstrap, (ulong)context.Run.Seed) : null;
        var intervals = new (double Low, double High)[members.Count][];
        for (int g = 0; g < members.Count; g++)
        {
            intervals[g] = new (double, double)[stages.Count];
        }

        var stageR = new double[stages.Count][];
        var descriptions = new string[stages.Count];
        for (int s = 0; s < stages.Count; s++)
        {
            ct.ThrowIfCancellationRequested();
            // Each stage's features and fit are freed before the next stage (a network's stages are large).
            using var stageScope = NewDisposeScope();
            context.Report($"stage {s + 1}/{stages.Count}: {stages[s]}", s, stages.Count);
            var stage = p.Stage(stages[s]);
            var (trainFeatures, testFeatures, description) = await data.FeaturesAsync(stages[s], stage, context, images, size, trainIndex, testIndex, [.. stimuli.Select(x => x.Label)],
                [.. stimuli.Select(x => x.Sha)]);
            using var result = RidgeCv.Fit(trainFeatures, trainResponses, testFeatures, testResponses, stage.RidgeOptions(samples.Folds) with { KeepWeights = false, KeepTestPredictions = counts is not null },
                new EncodingJobSupport.SynchronousProgress<RidgeProgress>(rp => context.Report($"stage {s + 1}/{stages.Count}: {stages[s]}", s, stages.Count)), ct);
            stageR[s] = [.. result.TestR];
            descriptions[s] = description;
            if (counts is not null)
            {
                using var resampled = TestSetBootstrap.Correlations(result.TestPredictions!, testResponses, counts);
                var r = resampled.data<double>().ToArray();
                for (int g = 0; g < members.Count; g++)
                {
                    var resampledMeans = Enumerable.Range(0, p.Bootstrap).Select(b => Mean(members[g].Units.Select(u => r[((long)b * units) + u]))).ToArray();
                    intervals[g][s] = (TestSetBootstrap.Quantile(resampledMeans, 0.025), TestSetBootstrap.Quantile(resampledMeans, 0.975));
                }
            }
            context.Report("stages", s + 1, stages.Count,
                new Dictionary<string, double> { ["meanTestR"] = Mean(stageR[s]) },
                new Dictionary<string, double[]> { ["stageMeanTestR"] = [.. stageR.Take(s + 1).Select(Mean)] });
            await context.LogAsync(string.Create(CultureInfo.InvariantCulture, $"Stage {stages[s]} ({description}): mean test r {Mean(stageR[s]):0.0000}."));
        }

        // Each unit's best stage (1-based; 0 where no stage has a finite score) and its score there.
        var best = new double[units];
        var bestR = new double[units];
        for (int u = 0; u < units; u++)
        {
            int arg = -1;
            double max = double.NegativeInfinity;
            for (int s = 0; s < stages.Count; s++)
            {
                if (double.IsFinite(stageR[s][u]) && stageR[s][u] > max)
                {
                    (max, arg) = (stageR[s][u], s);
                }
            }
            (best[u], bestR[u]) = arg < 0 ? (0, double.NaN) : (arg + 1, max);
        }
        var groups = members.Select((m, g) => new StageGroup(m.Name, m.Units.Count, [.. stageR.Select(r => Mean(m.Units.Select(u => r[u])))])
        {
            CiLow = counts is null ? null : [.. intervals[g].Select(i => i.Low)],
            CiHigh = counts is null ? null : [.. intervals[g].Select(i => i.High)],
        }).ToList();

        context.Report("saving", 0, 1);
        var matrix = new float[stages.Count * units];
        for (int s = 0; s < stages.Count; s++)
        {
            for (int u = 0; u < units; u++)
            {
                matrix[(long)s * units + u] = (float)stageR[s][u];
            }
        }
        await context.SaveArrayAsync(EncodingHierarchyArtifacts.StageTestR, new NumericArray(NumericType.Float32, [stages.Count, units], matrix));
        await context.SaveArrayAsync(EncodingHierarchyArtifacts.BestTestR, EncodingJobSupport.Vector(bestR));
        await context.SaveArrayAsync(EncodingHierarchyArtifacts.BestStage, new NumericArray(NumericType.Int32, [units], best.Select(b => (int)b).ToArray()));
        await context.SaveFileAsync(EncodingHierarchyArtifacts.StageScores, s => WriteTable(s, stages, groups));
        if (counts is not null)
        {
            await context.SaveFileAsync(EncodingHierarchyArtifacts.StageIntervals, s => WriteIntervals(s, stages, groups, p.Bootstrap));
        }
        if (units3d is not null)
        {
            await context.SaveFileAsync(EncodingHierarchyArtifacts.StageNames, s => EncodingJobSupport.WriteValueNames(s, stages));
            await context.SaveFileAsync(EncodingHierarchyArtifacts.BestTestRMap, s => units3d.WriteVolume(s, bestR, "NeuroLab best_test_r"), units3d.Shape);
            await context.SaveFileAsync(EncodingHierarchyArtifacts.BestStageMap, s => units3d.WriteVolume(s, best, "NeuroLab best_stage"), units3d.Shape);
        }
        var means = stageR.Select(Mean).ToArray();
        int top = Enumerable.Range(0, stages.Count).Where(s => double.IsFinite(means[s])).DefaultIfEmpty(0).MaxBy(s => double.IsFinite(means[s]) ? means[s] : double.NegativeInfinity);
        context.Report("saving", 1, 1);
        return new EncodingHierarchySummary
        {
            Stages = [.. stages],
            StageFeatures = descriptions,
            MeanTestRPerStage = means,
            BestStageCounts = [.. Enumerable.Range(1, stages.Count).Select(s => best.Count(b => b == s))],
            Groups = [.. groups],
            BestStage = stages[top],
            Units = units,
            TrainStimuli = samples.TrainRows.Length,
            TestStimuli = samples.TestRows.Length,
        };
    }

    private static double Mean(IEnumerable<double> values) => EncodingJobSupport.FiniteMean(values);

    /// <summary>The units whose voxel lies inside <paramref name="mask"/> (non-zero), when the mask is on the units' grid; null otherwise.</summary>
    private List<int>? UnitsInMask(UnitGeometry units, DatasetFile mask)
    {
        var image = NiftiReader.Read(store.LocalPath(mask.Sha256));
        var shape = image.Header.Shape;
        if (shape.Count < 3 || shape[0] != units.Shape[0] || shape[1] != units.Shape[1] || shape[2] != units.Shape[2])
        {
            return null;
        }
        var values = image.Data.ToCOrder();
        long ny = shape[1], nz = shape[2];
        var inside = new List<int>();
        for (int u = 0; u < units.UnitCount; u++)
        {
            var v = units.VoxelOf(u);
            if (values.GetDouble(((long)v.I * ny + v.J) * nz + v.K) != 0)
            {
                inside.Add(u);
            }
        }
        return inside;
    }

    private static void WriteTable(Stream stream, IReadOnlyList<string> stages, IReadOnlyList<StageGroup> groups)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        writer.WriteLine("group,units," + string.Join(',', stages.Select(EncodingJobSupport.CsvField)));
        foreach (var g in groups)
        {
            writer.WriteLine(EncodingJobSupport.CsvField(g.Name) + "," + g.Units.ToString(CultureInfo.InvariantCulture) + "," +
                string.Join(',', g.MeanTestR.Select(r => r.ToString("G6", CultureInfo.InvariantCulture))));
        }
    }

    /// <summary>The long table of the intervals: one row per group and stage.</summary>
    private static void WriteIntervals(Stream stream, IReadOnlyList<string> stages, IReadOnlyList<StageGroup> groups, int resamples)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        writer.WriteLine("group,units,stage,mean_test_r,ci_low,ci_high,resamples");
        foreach (var g in groups)
        {
            for (int s = 0; s < stages.Count; s++)
            {
                writer.WriteLine(string.Join(',', EncodingJobSupport.CsvField(g.Name), g.Units.ToString(CultureInfo.InvariantCulture), EncodingJobSupport.CsvField(stages[s]), EncodingJobSupport.CsvNumber(g.MeanTestR[s]),
                    EncodingJobSupport.CsvNumber(g.CiLow![s]), EncodingJobSupport.CsvNumber(g.CiHigh![s]), resamples.ToString(CultureInfo.InvariantCulture)));
            }
        }
    }
}
