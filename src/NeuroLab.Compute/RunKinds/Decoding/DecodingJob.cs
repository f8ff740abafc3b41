using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Decoding;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.Geometry;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;

namespace NeuroLab.Compute.RunKinds.Decoding;

/// <summary>
/// Decodes stimulus classes from response patterns (Haxby et al. 2001): leave-one-run-out cross-validation of a linear
/// SVM (C by nested CV), correlation nearest neighbour or PCA-LDA, features z-scored on each training fold; accuracy,
/// balanced accuracy, chance, a within-run label permutation test, the confusion matrix; optionally every mask's set (a
/// per-region table) and a searchlight accuracy map. The math is in <see cref="CrossValidatedDecoding"/>.
/// </summary>
public sealed class DecodingJob(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, UnitGeometryService geometry)
    : IRunJob<DecodingParameters, DecodingSummary>
{
    public static RunKindInfo Info { get; } = new(
        RunKindNames.Decoding,
        "Decoding: classify stimuli from response patterns",
        "Leave-one-run-out decoding of stimulus classes (e.g. Haxby's 8 categories, or face vs house) with a linear SVM, " +
        "correlation nearest neighbour or PCA-LDA: accuracy against chance with a permutation test, the confusion matrix, " +
        "optionally every mask's accuracy and a searchlight map.",
        RunInput.ResponseSet,
        DecodingArtifacts.All)
    {
        Order = 40,
    };

    public async Task<DecodingParameters> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var chosen = DecodingInputs.Chosen(await DecodingInputs.SetsAsync(db, request.DatasetId, ct), Guid.Empty);
        return new DecodingParameters { ResponseSetId = chosen?.Set.Id ?? Guid.Empty };
    }

    public string Describe(DecodingParameters parameters) =>
        parameters.Classifier + (parameters.Classes is { Length: > 0 } c ? " · " + string.Join(" vs ", c) : "") + (parameters.Regions == "all-masks" ? " · all masks" : "");

    public async Task ValidateAsync(DecodingParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        problems.OneOf("classifier", p.Classifier, DecodingParameters.Classifiers);
        problems.OneOf("regions", p.Regions, DecodingParameters.RegionChoices);
        RunParameterChecks.InRange(problems, "permutations", p.Permutations, 0, DecodingParameters.MaxPermutations);
        RunParameterChecks.InRange(problems, "searchlight", p.Searchlight, 0, DecodingParameters.MaxSearchlight);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var sets = await DecodingInputs.SetsAsync(db, submission.DatasetId, ct);
        if (DecodingInputs.Chosen(sets, p.ResponseSetId) is not var (set, _))
        {
            problems.Add(p.ResponseSetId == Guid.Empty ? "This dataset has no response set to decode." : $"Response set {p.ResponseSetId} is not part of this dataset.");
            return;
        }
        var stimuli = await StimuliAsync(db, submission.DatasetId, ct);
        var stimulusClass = DecodingInputs.StimulusClasses(stimuli, set.TrialsSha256 is not null);
        var all = DecodingInputs.ClassesOf(stimulusClass);
        if (set.TrialsSha256 is null && (stimulusClass.Any(c => c is null) || all.Length < 2 || all.Any(c => stimulusClass.Count(s => s == c) < 2)))
        {
            problems.Add($"Response set '{set.Name}' cannot be decoded: decoding needs single trials (each stimulus a class, repeats as runs) or stimuli labelled with two or more classes of at least two stimuli each.");
            return;
        }
        if (p.Classes is { } named)
        {
            foreach (var unknown in named.Where(c => !all.Contains(c, StringComparer.Ordinal)).Distinct())
            {
                problems.AddUnknown($"Unknown class '{unknown}' in classes. This dataset's classes: {string.Join(", ", all)}.");
            }
            if (named.Distinct(StringComparer.Ordinal).Count() < 2)
            {
                problems.Add($"classes must name two or more different classes (this dataset's: {string.Join(", ", all)}).");
            }
        }
        else if (all.Length < 2)
        {
            problems.Add($"Response set '{set.Name}' has only one class; decoding needs two or more.");
        }
        if (p.Searchlight > 0 && (set.UnitKind != UnitKind.Voxel || set.UnitCoordinatesSha256 is null))
        {
            problems.Add($"searchlight needs voxels with coordinates; response set '{set.Name}' has none. Use searchlight 0.");
        }
        if (p.Regions == "all-masks" && DecodingInputs.MaskSets(sets).Count == 0)
        {
            problems.Add("regions all-masks needs response sets made from masks; this dataset has none. Use regions set.");
        }
    }

    public async Task<DecodingSummary> ExecuteAsync(DecodingParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        List<(ResponseSet Set, DatasetFile? Reference)> sets;
        List<(string Name, string? Label)> stimuli;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            sets = await DecodingInputs.SetsAsync(db, context.Run.DatasetId, ct);
            stimuli = await StimuliAsync(db, context.Run.DatasetId, ct);
        }
        var (set, reference) = DecodingInputs.Chosen(sets, p.ResponseSetId)!.Value;
        var regions = new List<(ResponseSet Set, DatasetFile? Reference, string Region)> { (set, reference, DecodingInputs.RegionName(set, reference)) };
        if (p.Regions == "all-masks")
        {
            regions.AddRange(DecodingInputs.MaskSets(sets).Where(m => m.Set.Id != set.Id));
        }
        var options = new DecodingOptions { Classifier = p.AnalysisClassifier, Permutations = p.Permutations, Seed = (ulong)context.Run.Seed };
        var progressLock = new Lock();

        DecodingSamples? main = null;
        DecodingResult? mainResult = null;
        var rois = new List<DecodingRoi>();
        string[] classes = [];
        for (int r = 0; r < regions.Count; r++)
        {
            ct.ThrowIfCancellationRequested();
            var (regionSet, _, name) = regions[r];
            var stimulusClass = DecodingInputs.StimulusClasses(stimuli, regionSet.TrialsSha256 is not null);
            classes = p.Classes is { } named ? [.. named.Distinct(StringComparer.Ordinal)] : DecodingInputs.ClassesOf(stimulusClass);
            var data = await DecodingInputs.ReadAsync(store, regionSet, stimulusClass, classes, ct);
            if (data.Groups.Distinct().Count() < 2)
            {
                throw new RunValidationException([$"Response set '{regionSet.Name}' has a single run (group) of samples; leave-one-run-out decoding needs two or more."]);
            }
            string prefix = regions.Count > 1 ? $"{name}: " : "";
            var progress = new EncodingJobSupport.SynchronousProgress<DecodingProgress>(d =>
            {
                lock (progressLock)
                {
                    context.Report(prefix + d.Stage, d.Done, d.Total);
                }
            });
            var result = await Task.Run(() => CrossValidatedDecoding.Run(data, options, progress, ct), ct);
            await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {data.Samples} samples of {data.Classes} classes in {data.Groups.Distinct().Count()} runs, {data.Features} units; accuracy {result.Accuracy:0.0000} (chance {result.ChanceUniform:0.0000}), balanced {result.BalancedAccuracy:0.0000}, p {result.PValue:0.0000}."));
            rois.Add(new DecodingRoi(name, data.Features, result.Accuracy, result.ChanceUniform, result.PValue));
            if (r == 0)
            {
                (main, mainResult) = (data, result);
            }
        }

        context.Report("saving", 0, 1);
        await context.SaveFileAsync(DecodingArtifacts.Predictions, s => WritePredictions(s, main!, mainResult!));
        await context.SaveFileAsync(DecodingArtifacts.Confusion, s => WriteConfusion(s, main!.ClassNames, mainResult!.Confusion));
        if (p.Permutations > 0)
        {
            await context.SaveFileAsync(DecodingArtifacts.PermutationNull, s => EncodingJobSupport.WriteCsv(s, "permutation,accuracy",
                mainResult!.Null.Select((a, i) => $"{i + 1},{EncodingJobSupport.CsvNumber(a)}")));
        }
        if (regions.Count > 1)
        {
            await context.SaveFileAsync(DecodingArtifacts.Rois, s => EncodingJobSupport.WriteCsv(s, "roi,voxels,accuracy,chance,p",
                rois.Select(r => string.Join(',', EncodingJobSupport.CsvField(r.Name), r.Voxels.ToString(CultureInfo.InvariantCulture), EncodingJobSupport.CsvNumber(r.Accuracy), EncodingJobSupport.CsvNumber(r.Chance), EncodingJobSupport.CsvNumber(r.PValue)))));
        }
        double searchlightMax = double.NaN;
        if (p.Searchlight > 0)
        {
            searchlightMax = await SearchlightAsync(p, context, set, reference, main!, mainResult!, options, progressLock);
        }
        context.Report("saving", 1, 1);
        return new DecodingSummary
        {
            Classifier = p.Classifier,
            ResponseSet = set.Name,
            Classes = main!.ClassNames,
            Accuracy = mainResult!.Accuracy,
            BalancedAccuracy = mainResult.BalancedAccuracy,
            Chance = mainResult.ChanceUniform,
            MajorityRate = mainResult.ChanceMajority,
            PValue = mainResult.PValue,
            Permutations = p.Permutations,
            NullEdges = p.Permutations > 0 ? [.. Enumerable.Range(0, NullBins + 1).Select(i => (double)i / NullBins)] : [],
            NullCounts = p.Permutations > 0 ? NullHistogram(mainResult.Null) : [],
            Recall = mainResult.Recall,
            Confusion = [.. Enumerable.Range(0, main.Classes).Select(i => Enumerable.Range(0, main.Classes).Select(j => mainResult.Confusion[i, j]).ToArray())],
            FoldAccuracies = mainResult.FoldAccuracies,
            ChosenC = mainResult.ChosenC,
            Samples = main.Samples,
            Groups = mainResult.FoldGroups.Length,
            Units = main.Features,
            Rois = regions.Count > 1 ? [.. rois] : [],
            SearchlightRadius = p.Searchlight,
            SearchlightMaxAccuracy = searchlightMax,
        };
    }

    /// <summary>The searchlight map of the chosen set (the SVM at the median of the folds' chosen C); returns the highest accuracy.</summary>
    private async Task<double> SearchlightAsync(DecodingParameters p, RunContext context, ResponseSet set, DatasetFile? reference, DecodingSamples data, DecodingResult result,
        DecodingOptions options, Lock progressLock)
    {
        var units3d = await geometry.ForResponseSetAsync(set, reference, context.Cancellation);
        if (units3d is null || units3d.UnitCount != data.Features)
        {
            await context.LogAsync("No searchlight: the response set's voxels have no grid that matches its units.", "warning");
            return double.NaN;
        }
        double c = result.ChosenC.Length > 0 ? result.ChosenC.Order().ElementAt(result.ChosenC.Length / 2) : 1;
        var voxels = Enumerable.Range(0, units3d.UnitCount).Select(u => units3d.VoxelOf(u)).Select(v => (v.I, v.J, v.K)).ToList();
        var progress = new EncodingJobSupport.SynchronousProgress<DecodingProgress>(d =>
        {
            lock (progressLock)
            {
                context.Report(d.Stage, d.Done, d.Total);
            }
        });
        var accuracy = await Task.Run(() => Searchlight.Run(data, voxels, p.Searchlight, options with { Permutations = 0 }, c, progress, context.Cancellation), context.Cancellation);
        await context.SaveArrayAsync(DecodingArtifacts.SearchlightAccuracy, EncodingJobSupport.Vector(accuracy));
        await context.SaveFileAsync(DecodingArtifacts.SearchlightMap, s => units3d.WriteVolume(s, accuracy, "NeuroLab searchlight accuracy"), units3d.Shape);
        double max = accuracy.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max();
        await context.LogAsync(string.Create(CultureInfo.InvariantCulture, $"Searchlight (radius {p.Searchlight} voxels, C {c:G3}): highest accuracy {max:0.000}."));
        return max;
    }

    private const int NullBins = 20;

    /// <summary>Counts of <paramref name="accuracies"/> in <see cref="NullBins"/> equal bins of 0..1 (1 in the last).</summary>
    private static long[] NullHistogram(IEnumerable<double> accuracies)
    {
        var counts = new long[NullBins];
        foreach (var a in accuracies.Where(double.IsFinite))
        {
            counts[Math.Clamp((int)(a * NullBins), 0, NullBins - 1)]++;
        }
        return counts;
    }

    private static async Task<List<(string Name, string? Label)>> StimuliAsync(NeuroLabDbContext db, Guid datasetId, CancellationToken ct) =>
        [.. (await db.Stimuli.AsNoTracking().Where(s => s.DatasetId == datasetId).OrderBy(s => s.Index).Select(s => new { s.Name, s.Label }).ToListAsync(ct)).Select(s => (s.Name, s.Label))];

    private static void WritePredictions(Stream stream, DecodingSamples data, DecodingResult result) =>
        EncodingJobSupport.WriteCsv(stream, "sample,group,true,predicted", Enumerable.Range(0, data.Samples).Select(i => string.Join(',',
            (i + 1).ToString(CultureInfo.InvariantCulture), (data.Groups[i] + 1).ToString(CultureInfo.InvariantCulture),
            EncodingJobSupport.CsvField(data.ClassNames[data.Labels[i]]), EncodingJobSupport.CsvField(data.ClassNames[result.Predicted[i]]))));

    private static void WriteConfusion(Stream stream, string[] classes, int[,] confusion) =>
        EncodingJobSupport.WriteCsv(stream, "true," + string.Join(',', classes.Select(EncodingJobSupport.CsvField)), Enumerable.Range(0, classes.Length).Select(i =>
            EncodingJobSupport.CsvField(classes[i]) + "," + string.Join(',', Enumerable.Range(0, classes.Length).Select(j => confusion[i, j].ToString(CultureInfo.InvariantCulture)))));
}
