using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Rsa;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Rsa;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Serialization;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.RunKinds.Rsa;

/// <summary>
/// Representational similarity analysis (Kriegeskorte et al. 2008; Nili et al. 2014): the dataset's measured RDMs
/// (imported, or computed from response sets) against model RDMs (imported, or computed from feature spaces of the
/// stimuli, network stages included), by several comparison methods, with noise ceilings from subjects, bootstrap
/// intervals over stimuli and/or subjects, pairwise model tests (FDR), the tRSA transform, MDS and CKA.
/// </summary>
public sealed class RsaJob(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, FeatureSpaceRegistry features, DatasetFeatures datasetFeatures)
    : IRunJob<RsaParameters, RsaSummary>
{
    /// <summary>Most bootstrap resamples a run may ask for.</summary>
    public const int MaxResamples = 10_000;

    /// <summary>The network's stages pool to this grid by default: the finest grid every stage has (layer4 is 7x7).</summary>
    public const int DefaultPoolGrid = 7;

    /// <summary>RDMs of more conditions than this get MDS only for the brain RDMs (each embedding is an n x n eigenproblem).</summary>
    public const int MdsAllLimit = 400;

    /// <summary>Most units a response set may have for crossnobis (its noise covariance is units x units).</summary>
    public const int MaxCrossnobisUnits = 5_000;

    /// <summary>False discovery rate of the pairwise model tests.</summary>
    public const double FdrLevel = 0.05;

    public static RunKindInfo Info { get; } = new(
        RunKindNames.Rsa,
        "Representational similarity (RSA)",
        "Compares representational dissimilarity matrices: the dataset's brain RDMs (imported, or from response patterns) " +
        "against model RDMs (imported, or from pixels, Gabor energy and network stages of the stimuli) by Kendall tau-a, " +
        "Spearman and more, with the noise ceiling, bootstrap intervals, pairwise model tests, tRSA and MDS.",
        RunInput.Dataset,
        RsaArtifacts.All)
    {
        Order = 40,
    };

    public async Task<RsaParameters> DefaultsAsync(RunDefaultsRequest request, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stimuli = await StimuliAsync(db, request.DatasetId, ct);
        return new RsaParameters { Features = [.. await DefaultFeaturesAsync(db, request.DatasetId, stimuli, ct)] };
    }

    public string Describe(RsaParameters parameters) =>
        "rsa · " + string.Join(", ", parameters.Methods) + (parameters.TrsaLower > 0 || parameters.TrsaUpper < 1 ? " · tRSA" : "");

    public async Task ValidateAsync(RsaParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        problems.OneOf("distance", p.Distance, RsaChoices.Distances);
        if (p.Methods.Length == 0)
        {
            problems.Add("methods: name at least one comparison method.");
        }
        foreach (var method in p.Methods.Distinct(StringComparer.Ordinal))
        {
            problems.OneOf("methods", method, RsaChoices.ComparisonMethods);
        }
        problems.OneOf("bootstrap", p.Bootstrap, RsaChoices.BootstrapModes);
        RunParameterChecks.InRange(problems, "resamples", p.Resamples, 0, MaxResamples);
        if (p.Resamples == 1)
        {
            problems.Add("resamples must be 0 (no bootstrap) or from 2 to 10000.");
        }
        if (p.ResponseSetIds is { } ids && ids.Distinct().Count() != ids.Length)
        {
            problems.Add("responseSetIds names a response set twice.");
        }
        if (!(p.TrsaLower >= 0 && p.TrsaLower < p.TrsaUpper && p.TrsaUpper <= 1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"trsaLower and trsaUpper must satisfy 0 <= trsaLower < trsaUpper <= 1 (got {p.TrsaLower} and {p.TrsaUpper})."));
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stimuli = await StimuliAsync(db, submission.DatasetId, ct);
        var files = await RdmFilesAsync(db, submission.DatasetId, ct);
        var sets = await db.ResponseSets.Where(r => r.DatasetId == submission.DatasetId).OrderBy(r => r.Name).ToListAsync(ct);

        // Brain RDMs: imported files and/or response sets of this dataset.
        var brainFiles = p.BrainRdms ? files.Where(f => f.Role == FileRole.BrainRdm).ToList() : [];
        var chosenSets = new List<ResponseSet>();
        foreach (var id in SetIdsOf(p, brainFiles.Count > 0, sets))
        {
            if (sets.FirstOrDefault(s => s.Id == id) is not { } set)
            {
                problems.Add($"responseSetIds: response set {id} is not in this dataset.");
                continue;
            }
            if (p.Distance == RsaChoices.Crossnobis && set.TrialsSha256 is null)
            {
                problems.Add($"distance crossnobis needs repeated measurements (runs or repeats); response set '{set.Name}' has none. Use distance correlation.");
            }
            else if (p.Distance == RsaChoices.Crossnobis && set.UnitCount > MaxCrossnobisUnits)
            {
                problems.Add($"distance crossnobis whitens with a units x units noise covariance: response set '{set.Name}' has {set.UnitCount} units, at most {MaxCrossnobisUnits} are allowed. Use a masked (region) set or distance correlation.");
            }
            else if (p.Distance == RsaChoices.Crossnobis && set.TrialsSha256 is { } trials && RepeatsOf(trials) < 2)
            {
                problems.Add($"distance crossnobis needs two or more repeats; response set '{set.Name}' has one.");
            }
            chosenSets.Add(set);
        }
        if (brainFiles.Count == 0 && chosenSets.Count == 0)
        {
            problems.Add("There is no brain RDM to compare: the dataset has no file with the role BrainRdm and no response set. Import measured RDMs (role BrainRdm) or responses.");
        }

        // Model RDMs: imported files and/or feature spaces of the stimuli.
        var modelFiles = p.ModelRdms ? files.Where(f => f.Role == FileRole.ModelRdm).ToList() : [];
        var names = p.Features ?? [.. await DefaultFeaturesAsync(db, submission.DatasetId, stimuli, ct)];
        var unknown = features.CheckNames("features", names).ToList();
        problems.AddUnknown(unknown);
        if (unknown.Count == 0 && names.Length > 0)
        {
            if (stimuli.Count == 0)
            {
                problems.Add("features: the dataset has no stimuli to compute features of.");
            }
            else
            {
                problems.AddRange(await features.ValidateAsync("features", names, FeatureParameters(p), new FeatureValidationContext(submission.DatasetId, stimuli, db), ct));
            }
        }
        if (modelFiles.Count == 0 && names.Length == 0)
        {
            problems.Add("There is no model RDM to compare: the dataset has no file with the role ModelRdm and no features are named. Name feature spaces in features (e.g. pixels, gabor) or import model RDMs (role ModelRdm).");
        }

        // Subject resampling needs subjects: at least one brain RDM with two or more.
        if (problems.Count == 0 && p.Bootstrap is RsaChoices.Subjects or RsaChoices.Both && p.Resamples > 0)
        {
            var brains = ReadBrainFiles(brainFiles);
            if (!brains.Any(b => b.Subjects.Count >= 2))
            {
                problems.Add($"bootstrap {p.Bootstrap} resamples subjects, but no brain RDM has two or more subjects. Use bootstrap stimuli.");
            }
        }
    }

    public async Task<RsaSummary> ExecuteAsync(RsaParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        p = p with { Methods = [.. p.Methods.Distinct(StringComparer.Ordinal)] };
        var datasetId = context.Run.DatasetId;
        List<FeatureStimulus> stimuli;
        List<DatasetFile> files;
        List<ResponseSet> sets;
        string[] featureNames;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            stimuli = await StimuliAsync(db, datasetId, ct);
            files = await RdmFilesAsync(db, datasetId, ct);
            sets = await db.ResponseSets.Where(r => r.DatasetId == datasetId).OrderBy(r => r.Name).ToListAsync(ct);
            featureNames = p.Features ?? [.. await DefaultFeaturesAsync(db, datasetId, stimuli, ct)];
        }

        // 1. Brain RDMs: each region's subjects (sessions averaged within a subject), then the response sets' patterns.
        context.Report("brain RDMs", 0, 1);
        var brains = p.BrainRdms ? ReadBrainFiles(files.Where(f => f.Role == FileRole.BrainRdm)) : [];
        var setPatterns = new List<(string Name, float[] Patterns, int Units)>();
        foreach (var id in SetIdsOf(p, brains.Count > 0, sets).Distinct())
        {
            ct.ThrowIfCancellationRequested();
            var set = sets.Single(s => s.Id == id);
            var (values, n, units) = ReadMatrix(set.ArraySha256);
            double[] rdm;
            if (p.Distance == RsaChoices.Crossnobis)
            {
                var trials = NpyReader.Read(store.LocalPath(set.TrialsSha256!)).ToCOrder();
                int repeats = (int)trials.Shape[0], conditions = (int)trials.Shape[1], p2 = (int)trials.Shape[2];
                var rows = trials.ToFloat32();
                rdm = Rdm.Crossnobis(rows, repeats * conditions, p2,
                    [.. Enumerable.Range(0, repeats * conditions).Select(r => r % conditions)],
                    [.. Enumerable.Range(0, repeats * conditions).Select(r => r / conditions)], conditions);
            }
            else
            {
                rdm = p.Distance == RsaChoices.Euclidean ? Rdm.Euclidean(values, n, units) : Rdm.Correlation(values, n, units);
            }
            brains.Add(new BrainRdm(set.Name, $"response set ({p.Distance})", [rdm]));
            setPatterns.Add((set.Name, values, units));
        }
        int conditionsCount = brains.Count > 0 ? Rdm.Conditions(brains[0].Mean.Length) : stimuli.Count;
        await context.LogAsync($"{brains.Count} brain RDM(s) over {conditionsCount} conditions: {string.Join(", ", brains.Select(b => $"{b.Name} ({b.Subjects.Count} subject{(b.Subjects.Count == 1 ? "" : "s")})"))}.");

        // 2. Model RDMs: imported, then one per feature space (correlation distance between the stimuli's feature vectors).
        var models = new List<(string Name, string Source, double[] Rdm)>();
        if (p.ModelRdms)
        {
            foreach (var file in files.Where(f => f.Role == FileRole.ModelRdm))
            {
                foreach (var rdm in RdmFiles.Read(store.LocalPath(file.Sha256), Path.GetFileName(file.FileName), file.Format))
                {
                    models.Add((rdm.Name, "imported (" + Path.GetFileName(file.FileName) + ")", rdm.Values));
                }
            }
        }
        var featurePatterns = new List<(string Name, float[] Patterns, int Dimensions)>();
        for (int f = 0; f < featureNames.Length; f++)
        {
            ct.ThrowIfCancellationRequested();
            context.Report($"features {featureNames[f]}", f, featureNames.Length);
            var outcome = await datasetFeatures.ComputeAsync(datasetId, featureNames[f], FeatureParameters(p), ct);
            if (outcome.Matrix is not { } matrix)
            {
                throw new RunValidationException([.. outcome.Problems]);
            }
            int n = (int)matrix.Shape[0], d = (int)matrix.Shape[1];
            var values = matrix.ToFloat32();
            models.Add((featureNames[f], "feature space", Rdm.Correlation(values, n, d)));
            featurePatterns.Add((featureNames[f], values, d));
        }
        await context.LogAsync($"{models.Count} model RDM(s): {string.Join(", ", models.Select(m => m.Name))}.");

        // 3. Names and files, unique over brains and models: a second RDM of the same name (a response set named like an
        // imported region, two files with the same model) is suffixed, so tables and pages never mix two RDMs up.
        var taken = new HashSet<string>(StringComparer.Ordinal);
        string Unique(string name)
        {
            var unique = name;
            for (int i = 2; !taken.Add(unique); i++)
            {
                unique = $"{name} ({i})";
            }
            return unique;
        }
        brains = [.. brains.Select(b => b with { Name = Unique(b.Name) })];
        models = [.. models.Select(m => (Unique(m.Name), m.Source, m.Rdm))];
        // 3. Names and files, unique over brains and models.
        var stems = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string Stem(string name)
        {
            var stem = RsaArtifacts.FileStem(name);
            for (int i = 2; !stems.Add(stem); i++)
            {
                stem = RsaArtifacts.FileStem(name) + "_" + i.ToString(CultureInfo.InvariantCulture);
            }
            return stem;
        }
        var brainInfo = brains.Select(b => new RsaRdmInfo(b.Name, RsaArtifacts.Rdm(Stem(b.Name)).FileName, b.Source, b.Subjects.Count)).ToArray();
        var modelInfo = models.Select(m => new RsaRdmInfo(m.Name, RsaArtifacts.Rdm(Stem(m.Name)).FileName, m.Source, 1)).ToArray();
        var modelRdms = models.Select(m => m.Rdm).ToList();

        // 4. Comparisons with intervals, ceilings and pairwise tests, per brain and method.
        var comparisons = new List<RsaComparison>();
        var ceilings = new List<RsaCeiling>();
        var pairwise = new List<(string Brain, string Method, PairwiseTest Test)>();
        var modes = new List<string>();
        var progressLock = new object();
        int step = 0, steps = brains.Count * p.Methods.Length;
        foreach (var brain in brains)
        {
            foreach (var methodName in p.Methods)
            {
                ct.ThrowIfCancellationRequested();
                var method = RsaChoices.Method(methodName);
                var label = $"bootstrap {brain.Name} · {methodName}";
                context.Report(label, step, steps);
                var over = Over(p.Bootstrap, brain.Subjects.Count);
                NoiseCeilingResult? ceiling = brain.Subjects.Count >= 2 ? RsaNoiseCeiling.Compute(brain.Subjects, method) : null;
                if (over is { } mode && p.Resamples > 0)
                {
                    var current = step;
                    // The bootstrap reports from its worker threads: one report at a time reaches the run context.
                    var result = RsaInference.Bootstrap(modelRdms, brain.Subjects, method, mode, p.Resamples, (ulong)context.Run.Seed,
                        new EncodingJobSupport.SynchronousProgress<double>(fraction =>
                        {
                            lock (progressLock)
                            {
                                context.Report(label, (long)((current + fraction) * 1000), (long)steps * 1000);
                            }
                        }), ct);
                    for (int m = 0; m < models.Count; m++)
                    {
                        var e = result.Models[m];
                        comparisons.Add(new RsaComparison(models[m].Name, brain.Name, methodName, e.Value, e.CiLow, e.CiHigh));
                    }
                    pairwise.AddRange(result.Pairwise.Select(t => (brain.Name, methodName, t)));
                    ceiling = result.Ceiling ?? ceiling;
                    modes.Add(mode.ToString().ToLowerInvariant());
                }
                else
                {
                    var values = RdmComparison.Compare(modelRdms, brain.Mean, method);
                    comparisons.AddRange(models.Select((m, i) => new RsaComparison(m.Name, brain.Name, methodName, values[i], double.NaN, double.NaN)));
                }
                ceilings.Add(ceiling is null
                    ? new RsaCeiling(brain.Name, methodName, double.NaN, double.NaN)
                    : new RsaCeiling(brain.Name, methodName, ceiling.Lower, ceiling.Upper));
                step++;
                context.Report("comparisons", step, steps, series: new Dictionary<string, double[]>
                {
                    [$"{brain.Name} · {methodName}"] = [.. comparisons.Where(c => c.Brain == brain.Name && c.Method == methodName).Select(c => c.Value)],
                });
            }
        }

        // 5. tRSA at the run's thresholds, MDS and CKA.
        context.Report("tRSA, MDS and CKA", 0, 1);
        var trsa = new List<(string Model, string Brain, string Method, double Value)>();
        var transformedModels = modelRdms.Select(m => TopologicalRsa.Transform(m, p.TrsaLower, p.TrsaUpper, p.Geodesic)).ToList();
        foreach (var brain in brains)
        {
            var transformedBrain = TopologicalRsa.Transform(brain.Mean, p.TrsaLower, p.TrsaUpper, p.Geodesic);
            foreach (var methodName in p.Methods)
            {
                var values = RdmComparison.Compare(transformedModels, transformedBrain, RsaChoices.Method(methodName));
                trsa.AddRange(models.Select((m, i) => (m.Name, brain.Name, methodName, values[i])));
            }
        }
        var mds = new List<(string Rdm, double[] Coordinates)>();
        foreach (var (name, rdm) in brains.Select(b => (b.Name, b.Mean)).Concat(conditionsCount <= MdsAllLimit ? models.Select(m => (m.Name, m.Rdm)) : []))
        {
            ct.ThrowIfCancellationRequested();
            if (rdm.All(double.IsFinite))
            {
                mds.Add((name, ClassicalMds.Embed(rdm, 2)));
            }
        }
        var cka = new List<(string Model, string Brain, string Kind, double Value)>();
        if (p.Cka)
        {
            foreach (var (fname, fvalues, d) in featurePatterns)
            {
                foreach (var (sname, svalues, units) in setPatterns)
                {
                    if (fvalues.Length / d != svalues.Length / units)
                    {
                        continue;
                    }
                    int n = svalues.Length / units;
                    cka.Add((fname, sname, "linear", Cka.Linear(fvalues, n, d, svalues, units)));
                    cka.Add((fname, sname, "rbf", Cka.Rbf(fvalues, n, d, svalues, units)));
                }
            }
        }

        // 6. Artifacts.
        context.Report("saving", 0, 1);
        for (int b = 0; b < brains.Count; b++)
        {
            await context.SaveArrayAsync(RsaArtifacts.RdmTemplate with { FileName = brainInfo[b].File }, SquareArray(brains[b].Mean));
        }
        for (int m = 0; m < models.Count; m++)
        {
            await context.SaveArrayAsync(RsaArtifacts.RdmTemplate with { FileName = modelInfo[m].File }, SquareArray(models[m].Rdm));
        }
        await context.SaveFileAsync(RsaArtifacts.Index, s => JsonSerializer.Serialize(s, new { stimuli = conditionsCount, brains = brainInfo, models = modelInfo }, NeuroLabJson.Web));
        await context.SaveFileAsync(RsaArtifacts.Comparisons, s => EncodingJobSupport.WriteCsv(s, "model,brain,method,value,ci_low,ci_high",
            comparisons.Select(c => EncodingJobSupport.CsvRow(c.Model, c.Brain, c.Method, EncodingJobSupport.CsvNumber(c.Value), EncodingJobSupport.CsvNumber(c.CiLow), EncodingJobSupport.CsvNumber(c.CiHigh)))));
        await context.SaveFileAsync(RsaArtifacts.NoiseCeiling, s => EncodingJobSupport.WriteCsv(s, "brain,method,lower,upper",
            ceilings.Select(c => EncodingJobSupport.CsvRow(c.Brain, c.Method, EncodingJobSupport.CsvNumber(c.Lower), EncodingJobSupport.CsvNumber(c.Upper)))));
        int significant = 0;
        if (pairwise.Count > 0)
        {
            significant = pairwise.Count(t => t.Test.PFdr <= FdrLevel);
            await context.SaveFileAsync(RsaArtifacts.Pairwise, s => EncodingJobSupport.WriteCsv(s, "brain,method,model_a,model_b,difference,p,p_fdr",
                pairwise.Select(t => EncodingJobSupport.CsvRow(t.Brain, t.Method, models[t.Test.ModelA].Name, models[t.Test.ModelB].Name, EncodingJobSupport.CsvNumber(t.Test.Difference), EncodingJobSupport.CsvNumber(t.Test.P), EncodingJobSupport.CsvNumber(t.Test.PFdr)))));
        }
        await context.SaveFileAsync(RsaArtifacts.Mds, s => EncodingJobSupport.WriteCsv(s, "rdm,index,x,y",
            mds.SelectMany(e => Enumerable.Range(0, e.Coordinates.Length / 2).Select(i => EncodingJobSupport.CsvRow(e.Rdm, i.ToString(CultureInfo.InvariantCulture), EncodingJobSupport.CsvNumber(e.Coordinates[2 * i]), EncodingJobSupport.CsvNumber(e.Coordinates[(2 * i) + 1]))))));
        string lower = EncodingJobSupport.CsvNumber(p.TrsaLower), upper = EncodingJobSupport.CsvNumber(p.TrsaUpper), geodesic = p.Geodesic ? "true" : "false";
        await context.SaveFileAsync(RsaArtifacts.Trsa, s => EncodingJobSupport.WriteCsv(s, "model,brain,method,lower,upper,geodesic,value",
            trsa.Select(t => EncodingJobSupport.CsvRow(t.Model, t.Brain, t.Method, lower, upper, geodesic, EncodingJobSupport.CsvNumber(t.Value)))));
        if (cka.Count > 0)
        {
            await context.SaveFileAsync(RsaArtifacts.Cka, s => EncodingJobSupport.WriteCsv(s, "model,brain,kind,value", cka.Select(c => EncodingJobSupport.CsvRow(c.Model, c.Brain, c.Kind, EncodingJobSupport.CsvNumber(c.Value)))));
        }
        context.Report("saving", 1, 1);

        var first = comparisons.Where(c => c.Brain == brains[0].Name && c.Method == p.Methods[0]).MaxBy(c => double.IsFinite(c.Value) ? c.Value : double.NegativeInfinity);
        return new RsaSummary
        {
            Stimuli = conditionsCount,
            Brains = brainInfo,
            Models = modelInfo,
            Methods = [.. p.Methods],
            Bootstrap = modes.Count == 0 ? RsaChoices.None : string.Join(", ", modes.Distinct()),
            Resamples = modes.Count == 0 ? 0 : p.Resamples,
            Comparisons = [.. comparisons],
            Ceilings = [.. ceilings],
            SignificantPairs = significant,
            BestModel = first?.Model ?? string.Empty,
        };
    }

    /// <summary>A brain RDM: its subjects' RDMs (sessions averaged) and their mean.</summary>
    private sealed record BrainRdm(string Name, string Source, List<double[]> Subjects)
    {
        public double[] Mean { get; } = Subjects.Count == 1 ? Subjects[0] : Rdm.Mean(Subjects);
    }

    /// <summary>The imported brain RDMs by region: sessions averaged within each subject (RDMs without a subject are subjects of their own).</summary>
    private List<BrainRdm> ReadBrainFiles(IEnumerable<DatasetFile> files)
    {
        var all = files.SelectMany(f => RdmFiles.Read(store.LocalPath(f.Sha256), Path.GetFileName(f.FileName), f.Format).Select(r => (File: f, Rdm: r))).ToList();
        var brains = new List<BrainRdm>();
        foreach (var region in all.GroupBy(r => r.Rdm.Region, StringComparer.Ordinal))
        {
            var subjects = region.Select((r, i) => (Key: r.Rdm.Subject ?? $"#{i}", r.Rdm))
                .GroupBy(r => r.Key, StringComparer.Ordinal)
                .Select(g => g.Count() == 1 ? g.First().Rdm.Values : Rdm.Mean([.. g.Select(r => r.Rdm.Values)]))
                .ToList();
            var sources = string.Join(", ", region.Select(r => Path.GetFileName(r.File.FileName)).Distinct());
            brains.Add(new BrainRdm(region.Key, $"imported ({sources})", subjects));
        }
        return brains;
    }

    /// <summary>The response sets a run turns into brain RDMs: the named ones, else all when there are no imported brain RDMs.</summary>
    private static IEnumerable<Guid> SetIdsOf(RsaParameters p, bool hasBrainFiles, IReadOnlyList<ResponseSet> sets) =>
        p.ResponseSetIds ?? (hasBrainFiles ? [] : [.. sets.Select(s => s.Id)]);

    /// <summary>What a brain's bootstrap resamples: null for none.</summary>
    private static BootstrapOver? Over(string mode, int subjects) => mode switch
    {
        RsaChoices.None => null,
        RsaChoices.Stimuli => BootstrapOver.Stimuli,
        // A brain with one subject cannot resample subjects: its stimuli are resampled.
        RsaChoices.Subjects => subjects >= 2 ? BootstrapOver.Subjects : BootstrapOver.Stimuli,
        _ => subjects >= 2 ? BootstrapOver.Both : BootstrapOver.Stimuli,
    };

    /// <summary>Pixels, Gabor and the network's stages when every stimulus is an image and the space is available here; none otherwise.</summary>
    private async Task<IReadOnlyList<string>> DefaultFeaturesAsync(NeuroLabDbContext db, Guid datasetId, IReadOnlyList<FeatureStimulus> stimuli, CancellationToken ct)
    {
        if (stimuli.Count < 3 || stimuli.Any(s => s.ImageSha256 is null))
        {
            return [];
        }
        var candidates = new List<string> { "pixels", "gabor" };
        candidates.AddRange(features.Names.Where(n => n.StartsWith(NeuroLab.Compute.Features.ResNet18.ResNet18FeatureSpace.Prefix, StringComparison.Ordinal)));
        var context = new FeatureValidationContext(datasetId, stimuli, db);
        var usable = new List<string>();
        foreach (var name in candidates)
        {
            if (features.TryGet(name, out var space) && (await space.ValidateAsync(FeatureParameters(new RsaParameters()), context, ct)).Count == 0)
            {
                usable.Add(name);
            }
        }
        return usable;
    }

    private static FeatureSpaceParameters FeatureParameters(RsaParameters p) => new()
    {
        ImageSize = p.ImageSize,
        PoolGrid = p.PoolGrid ?? DefaultPoolGrid,
    };

    private static async Task<List<FeatureStimulus>> StimuliAsync(NeuroLabDbContext db, Guid datasetId, CancellationToken ct) =>
        await db.Stimuli.Where(s => s.DatasetId == datasetId).OrderBy(s => s.Index).Select(s => new FeatureStimulus(s.ImageSha256, s.Label)).ToListAsync(ct);

    private static async Task<List<DatasetFile>> RdmFilesAsync(NeuroLabDbContext db, Guid datasetId, CancellationToken ct) =>
        await db.DatasetFiles.Where(f => f.DatasetId == datasetId && (f.Role == FileRole.BrainRdm || f.Role == FileRole.ModelRdm)).OrderBy(f => f.FileName).ToListAsync(ct);

    /// <summary>The repeats of a stored trials array [repeats, stimuli, units], from its header only.</summary>
    private int RepeatsOf(string sha)
    {
        using var stream = store.OpenRead(sha);
        return (int)NpyReader.ReadHeader(stream, "trials.npy").Shape[0];
    }

    private (float[] Values, int Rows, int Columns) ReadMatrix(string sha)
    {
        var array = NpyReader.Read(store.LocalPath(sha)).ToCOrder();
        return (array.ToFloat32(), (int)array.Shape[0], (int)array.Shape[1]);
    }

    private static NumericArray SquareArray(double[] condensed)
    {
        int n = Rdm.Conditions(condensed.Length);
        return new NumericArray(NumericType.Float32, [n, n], Rdm.Square(condensed).Select(v => (float)v).ToArray());
    }
}
