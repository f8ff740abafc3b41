using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Networks;
using NeuroLab.Compute.Datasets;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;

namespace NeuroLab.Compute.RunKinds.Networks;

/// <summary>
/// Functional brain networks from a dataset's region time series: per subject the connectivity (Fisher z of Pearson
/// or partial correlation), a thresholded network and its graph measures (degree, strength, clustering, modularity
/// with leading-eigenvector communities, triangles, global efficiency); with two groups, the edge-wise group
/// difference with a permutation test (subjects as samples, or sliding windows when a group has one subject).
/// </summary>
public sealed class NetworksJob(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store) : IRunJob<NetworksParameters, NetworksSummary>
{
    public const int MaxPermutations = 10_000;

    /// <summary>Strongest edges and largest differences kept in the summary.</summary>
    public const int TopEdges = 10;

    public static RunKindInfo Info { get; } = new(
        RunKindNames.Networks,
        "Functional networks: connectivity and graph measures",
        "Connectivity between regions from their time series (Pearson or Ledoit-Wolf partial correlation, Fisher z), a " +
        "thresholded network per subject and its graph measures (degree, clustering, modularity, triangles), and the " +
        "edge-wise difference between two groups with a permutation test.",
        RunInput.Dataset,
        NetworksArtifacts.All)
    {
        Order = 60,
    };

    public string Describe(NetworksParameters parameters) => string.Create(CultureInfo.InvariantCulture,
        $"{parameters.Measure} · {parameters.Threshold} {parameters.Value:0.###}");

    public async Task ValidateAsync(NetworksParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        problems.OneOf("measure", p.Measure, NetworksParameters.Measures);
        problems.OneOf("threshold", p.Threshold, NetworksParameters.ThresholdModes);
        if (p.Mode == ThresholdMode.Proportional && !(p.Value > 0 && p.Value <= 1))
        {
            problems.Add("thresholdValue must be a density above 0 and at most 1 for a proportional threshold.");
        }
        if (p.Mode == ThresholdMode.Absolute && !(p.Value >= 0 && double.IsFinite(p.Value)))
        {
            problems.Add("thresholdValue must be a |z| of 0 or more for an absolute threshold.");
        }
        RunParameterChecks.InRange(problems, "permutations", p.Permutations, 0, MaxPermutations);
        RunParameterChecks.InRange(problems, "window", p.Window, 3, 100_000);
        RunParameterChecks.InRange(problems, "windowStep", p.WindowStep, 1, 100_000);
        if (problems.HasUnknownValues)
        {
            return;
        }
        var files = await FilesAsync(submission.DatasetId, ct);
        if (files.Count == 0)
        {
            problems.Add("The dataset has no region time series: import ROI time series files (.1D, .csv) with the role RegionTimeSeries.");
            return;
        }
        var known = files.Select(f => RegionTimeSeriesFiles.SubjectOf(f.FileName).Subject).ToList();
        if (p.Subjects is { } asked)
        {
            foreach (var s in asked.Where(s => !known.Contains(s, StringComparer.Ordinal)))
            {
                problems.AddUnknown($"Unknown subjects '{s}'. Use {string.Join(", ", known)}.");
            }
            if (asked.Length == 0 || asked.Distinct(StringComparer.Ordinal).Count() != asked.Length)
            {
                problems.Add("subjects must name one or more different subjects.");
            }
        }
        int subjects = p.Subjects?.Length ?? known.Count;
        if (p.Groups is { } groups)
        {
            if (groups.Length != subjects)
            {
                problems.Add($"groups must give one group per subject ({subjects}), in the order of subjects.");
            }
            else if (groups.Distinct(StringComparer.Ordinal).Count() > 2)
            {
                problems.Add("groups may name at most two groups (the comparison is between two).");
            }
        }
        // Sliding windows are the samples when a group has one subject: each scan must give two windows or more.
        var chosen = files.Where(f => p.Subjects is null || p.Subjects.Contains(RegionTimeSeriesFiles.SubjectOf(f.FileName).Subject, StringComparer.Ordinal)).ToList();
        var groupOf = p.Groups is { } g && g.Length == chosen.Count ? g : [.. chosen.Select(f => SiteOrSubject(RegionTimeSeriesFiles.SubjectOf(f.FileName)))];
        bool windows = groupOf.Distinct(StringComparer.Ordinal).Count() == 2 && groupOf.GroupBy(x => x, StringComparer.Ordinal).Any(x => x.Count() < 2);
        if (windows && p.Permutations > 0 && chosen.Select(TimePointsOf).Where(t => t > 0).DefaultIfEmpty(int.MaxValue).Min() is var shortest
            && shortest != int.MaxValue && (shortest - p.Window) / p.Step + 1 < 2)
        {
            problems.Add($"window must leave two or more windows of each scan for the group comparison (the shortest scan has {shortest} time points); lower window or windowStep.");
        }
    }

    private static string SiteOrSubject((string Subject, string Site) s) => s.Site.Length > 0 ? s.Site : s.Subject;

    /// <summary>A time series file's rows as its import recorded them (0 when unknown).</summary>
    private static int TimePointsOf(DatasetFile file) =>
        file.ShapeJson is { } json && System.Text.Json.JsonSerializer.Deserialize<long[]>(json) is [var rows, ..] ? (int)rows : 0;

    public async Task<NetworksSummary> ExecuteAsync(NetworksParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        var files = await FilesAsync(context.Run.DatasetId, ct);
        var chosen = p.Subjects is { } asked
            ? [.. asked.Select(s => files.Single(f => RegionTimeSeriesFiles.SubjectOf(f.FileName).Subject == s))]
            : files;
        var data = chosen.Select(f => RegionTimeSeriesFiles.Read(store.LocalPath(f.Sha256), f.FileName)).ToList();
        var problems = RegionTimeSeriesFiles.Check([.. chosen.Select((f, i) => (f.FileName, data[i]))]);
        if (problems.Count > 0)
        {
            throw new RunValidationException([.. problems.Select(x => $"{x.FileName}: {x.Problem}")]);
        }
        var groupOf = p.Groups ?? [.. data.Select(d => SiteOrSubject((d.Subject, d.Site)))];
        var ids = data[0].RegionIds;
        int rois = ids.Count;
        await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
            $"{data.Count} subject(s), {rois} regions; {p.Measure} connectivity, {p.Threshold} threshold {p.Value:0.###}, {(p.Weighted ? "weighted" : "binary")}."));

        var networks = new List<SubjectNetwork>();
        var nodes = new List<(string Subject, GraphMeasureSet Measures, int[] Module)>();
        var edges = new List<(string Subject, double[,] Adjacency)>();
        for (int s = 0; s < data.Count; s++)
        {
            ct.ThrowIfCancellationRequested();
            context.Report($"subject {data[s].Subject}", s, data.Count);
            var (z, shrinkage) = Connectivity(data[s].Series, p.Measure);
            await context.SaveArrayAsync(NetworksArtifacts.Connectivity(data[s].Subject), Matrix(z));
            var adjacency = NetworkThreshold.Apply(z, p.Mode, p.Value, p.Weighted);
            var measures = GraphMeasures.Compute(adjacency, p.Weighted);
            var communities = Modularity.LeadingEigenvector(adjacency);
            nodes.Add((data[s].Subject, measures, communities.Module));
            edges.Add((data[s].Subject, adjacency));
            networks.Add(new SubjectNetwork
            {
                Subject = data[s].Subject,
                Site = data[s].Site,
                Group = groupOf[s],
                TimePoints = data[s].TimePoints,
                Shrinkage = shrinkage,
                Edges = measures.Degree.Sum() / 2,
                Density = NetworkThreshold.Density(adjacency),
                MeanDegree = measures.Degree.Average(),
                MeanClustering = measures.MeanClustering,
                Modularity = communities.Q,
                Modules = communities.ModuleCount,
                Triangles = measures.TriangleCount,
                GlobalEfficiency = measures.GlobalEfficiency,
                StrongestEdges = Strongest(z, ids),
            });
            await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
                $"{data[s].Subject}: density {networks[^1].Density:0.000}, Q {communities.Q:0.000} in {communities.ModuleCount} modules, {measures.TriangleCount} triangles, mean clustering {measures.MeanClustering:0.000}."));
        }
        context.Report("subjects", data.Count, data.Count);

        GroupComparison? comparison = null;
        string[]? groupNames = null;
        EdgeDifference? difference = null;
        var distinct = groupOf.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length == 2 && p.Permutations > 0)
        {
            groupNames = distinct;
            (comparison, difference) = await CompareAsync(p, context, data, groupOf, distinct, ids);
        }

        context.Report("saving", 0, 1);
        await context.SaveFileAsync(NetworksArtifacts.Nodes, stream => WriteNodes(stream, ids, nodes, groupOf));
        await context.SaveFileAsync(NetworksArtifacts.Edges, stream => WriteEdges(stream, ids, edges));
        if (difference is not null)
        {
            await context.SaveFileAsync(NetworksArtifacts.GroupDifference, stream => WriteDifference(stream, ids, difference));
        }
        context.Report("saving", 1, 1);
        return new NetworksSummary
        {
            Measure = p.Measure,
            Threshold = p.Threshold,
            ThresholdValue = p.Value,
            Weighted = p.Weighted,
            Rois = rois,
            RoiIds = [.. ids],
            Subjects = [.. networks],
            GroupDifference = comparison,
        };
    }

    /// <summary>Fisher z of the chosen measure [rois, rois] and the Ledoit-Wolf shrinkage (NaN for Pearson).</summary>
    internal static (double[,] Z, double Shrinkage) Connectivity(double[,] series, string measure) => measure switch
    {
        "pearson" => (FunctionalConnectivity.FisherZ(FunctionalConnectivity.Pearson(series)), double.NaN),
        "partial" => (FunctionalConnectivity.FisherZ(FunctionalConnectivity.PartialCorrelation(series)), FunctionalConnectivity.LedoitWolf(series).Shrinkage),
        _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, "Unknown measure."),
    };

    private async Task<(GroupComparison, EdgeDifference)> CompareAsync(NetworksParameters p, RunContext context, List<RegionTimeSeries> data, string[] groupOf,
        string[] groups, IReadOnlyList<string> ids)
    {
        var members = groups.Select(g => Enumerable.Range(0, data.Count).Where(s => groupOf[s] == g).ToList()).ToArray();
        // Subjects are the samples when both groups have two or more; otherwise each subject's sliding windows are.
        bool windows = members.Any(m => m.Count < 2);
        var samples = new List<double[]>[2];
        for (int g = 0; g < 2; g++)
        {
            samples[g] = [];
            foreach (int s in members[g])
            {
                if (windows)
                {
                    foreach (var w in Windows(data[s].Series, p))
                    {
                        samples[g].Add(ConnectivityGroupComparison.UpperTriangle(w));
                    }
                }
                else
                {
                    samples[g].Add(ConnectivityGroupComparison.UpperTriangle(Connectivity(data[s].Series, p.Measure).Z));
                }
            }
        }
        if (samples.Any(x => x.Count < 2))
        {
            throw new RunValidationException([$"The group comparison needs two or more samples per group: each subject's {data.Min(d => d.TimePoints)} time points give fewer than two windows of {p.Window}; lower window."]);
        }
        await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
            $"Group difference {groups[0]} - {groups[1]}: {samples[0].Count} vs {samples[1].Count} {(windows ? $"windows ({p.Window} time points every {p.Step}; windows of one scan are not independent, so p values are descriptive)" : "subjects")}, {p.Permutations} permutations."));
        var result = ConnectivityGroupComparison.Compare(samples[0], samples[1], p.Permutations, (ulong)context.Run.Seed,
            done => { if (done % 50 == 0 || done == p.Permutations) { context.Report("permutations", done, p.Permutations); } }, context.Cancellation);
        var pairs = Pairs(ids.Count);
        var largest = Enumerable.Range(0, result.Difference.Length).Where(e => double.IsFinite(result.Difference[e]))
            .OrderByDescending(e => Math.Abs(result.Difference[e])).Take(TopEdges)
            .Select(e => new EdgeDifferenceRow(ids[pairs[e].I], ids[pairs[e].J], result.Difference[e], result.P[e], result.PFdr[e], result.PMax[e])).ToArray();
        var comparison = new GroupComparison
        {
            GroupA = groups[0],
            GroupB = groups[1],
            Samples = windows ? "windows" : "subjects",
            SamplesA = samples[0].Count,
            SamplesB = samples[1].Count,
            Permutations = p.Permutations,
            Edges = result.Difference.Length,
            EdgesUncorrected05 = result.P.Count(x => x < 0.05),
            EdgesFdr05 = result.PFdr.Count(x => x <= 0.05),
            EdgesMax05 = result.PMax.Count(x => x <= 0.05),
            Largest = largest,
        };
        await context.LogAsync(string.Create(CultureInfo.InvariantCulture,
            $"Edges differing: {comparison.EdgesUncorrected05} at p < 0.05 uncorrected, {comparison.EdgesFdr05} at FDR 0.05, {comparison.EdgesMax05} at family-wise 0.05 (max statistic)."));
        return (comparison, result);
    }

    /// <summary>Sliding-window connectivity of one subject with the run's measure.</summary>
    private static IEnumerable<double[,]> Windows(double[,] series, NetworksParameters p)
    {
        int t = series.GetLength(0), n = series.GetLength(1);
        for (int start = 0; start + p.Window <= t; start += p.Step)
        {
            var part = new double[p.Window, n];
            for (int k = 0; k < p.Window; k++)
            {
                for (int i = 0; i < n; i++)
                {
                    part[k, i] = series[start + k, i];
                }
            }
            yield return Connectivity(part, p.Measure).Z;
        }
    }

    private async Task<List<DatasetFile>> FilesAsync(Guid datasetId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var files = await db.DatasetFiles.AsNoTracking().Where(f => f.DatasetId == datasetId && f.Role == FileRole.RegionTimeSeries).ToListAsync(ct);
        return [.. files.OrderBy(f => f.FileName, StringComparer.Ordinal)];
    }

    private static (int I, int J)[] Pairs(int p)
    {
        var pairs = new (int, int)[p * (p - 1) / 2];
        int e = 0;
        for (int i = 0; i < p; i++)
        {
            for (int j = i + 1; j < p; j++)
            {
                pairs[e++] = (i, j);
            }
        }
        return pairs;
    }

    private static NetworkEdge[] Strongest(double[,] z, IReadOnlyList<string> ids)
    {
        var values = ConnectivityGroupComparison.UpperTriangle(z);
        var pairs = Pairs(ids.Count);
        return [.. Enumerable.Range(0, values.Length).Where(e => double.IsFinite(values[e])).OrderByDescending(e => Math.Abs(values[e])).Take(TopEdges)
            .Select(e => new NetworkEdge(ids[pairs[e].I], ids[pairs[e].J], values[e]))];
    }

    private static NumericArray Matrix(double[,] z)
    {
        int p = z.GetLength(0);
        var values = new float[p * p];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                values[i * p + j] = (float)z[i, j];
            }
        }
        return new NumericArray(NumericType.Float32, [p, p], values);
    }

    /// <summary>One row per region of each subject, then per region of each group's mean (module empty: communities are per subject).</summary>
    private static void WriteNodes(Stream stream, IReadOnlyList<string> ids, List<(string Subject, GraphMeasureSet Measures, int[] Module)> nodes, string[] groupOf)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        writer.WriteLine("subject,roi,degree,strength,clustering,module,triangles");
        foreach (var (subject, m, module) in nodes)
        {
            for (int i = 0; i < ids.Count; i++)
            {
                writer.WriteLine(string.Join(',', EncodingJobSupport.CsvField(subject), EncodingJobSupport.CsvField(ids[i]), EncodingJobSupport.CsvNumber(m.Degree[i]), EncodingJobSupport.CsvNumber(m.Strength[i]),
                    EncodingJobSupport.CsvNumber(m.Clustering[i]), (module[i] + 1).ToString(CultureInfo.InvariantCulture), m.Triangles[i].ToString(CultureInfo.InvariantCulture)));
            }
        }
        if (nodes.Count < 2)
        {
            return;
        }
        foreach (var group in groupOf.Distinct(StringComparer.Ordinal))
        {
            var members = nodes.Where((_, s) => groupOf[s] == group).Select(n => n.Measures).ToList();
            for (int i = 0; i < ids.Count; i++)
            {
                writer.WriteLine(string.Join(',', EncodingJobSupport.CsvField("mean " + group), EncodingJobSupport.CsvField(ids[i]), EncodingJobSupport.CsvNumber(members.Average(m => m.Degree[i])),
                    EncodingJobSupport.CsvNumber(members.Average(m => m.Strength[i])), EncodingJobSupport.CsvNumber(members.Average(m => m.Clustering[i])), "", EncodingJobSupport.CsvNumber(members.Average(m => (double)m.Triangles[i]))));
            }
        }
    }

    private static void WriteEdges(Stream stream, IReadOnlyList<string> ids, List<(string Subject, double[,] Adjacency)> edges)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        writer.WriteLine("subject,roi_a,roi_b,weight");
        foreach (var (subject, a) in edges)
        {
            for (int i = 0; i < ids.Count; i++)
            {
                for (int j = i + 1; j < ids.Count; j++)
                {
                    if (a[i, j] != 0)
                    {
                        writer.WriteLine(string.Join(',', EncodingJobSupport.CsvField(subject), EncodingJobSupport.CsvField(ids[i]), EncodingJobSupport.CsvField(ids[j]), EncodingJobSupport.CsvNumber(a[i, j])));
                    }
                }
            }
        }
    }

    private static void WriteDifference(Stream stream, IReadOnlyList<string> ids, EdgeDifference d)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        writer.WriteLine("roi_a,roi_b,difference,p,p_fdr,p_max");
        var pairs = Pairs(ids.Count);
        for (int e = 0; e < pairs.Length; e++)
        {
            writer.WriteLine(string.Join(',', EncodingJobSupport.CsvField(ids[pairs[e].I]), EncodingJobSupport.CsvField(ids[pairs[e].J]), EncodingJobSupport.CsvNumber(d.Difference[e]), EncodingJobSupport.CsvNumber(d.P[e]),
                EncodingJobSupport.CsvNumber(d.PFdr[e]), EncodingJobSupport.CsvNumber(d.PMax[e])));
        }
    }
}
