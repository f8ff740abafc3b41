using System.Globalization;
using NeuroLab.Compute.RunKinds.Networks;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Storage;

namespace NeuroLab.Web.Networks;

/// <summary>One subject's network as the result panel draws it.</summary>
/// <param name="Z">Fisher z [rois][rois] (zero diagonal).</param>
/// <param name="Module">Each region's module (1-based) [rois].</param>
/// <param name="Nodes">Each region's measures, in region order.</param>
/// <param name="Edges">The thresholded network's edges (region indices, weight).</param>
public sealed record SubjectNetworkView(double[][] Z, int[] Module, IReadOnlyList<NodeRow> Nodes, IReadOnlyList<(int A, int B, double Weight)> Edges);

/// <summary>A row of nodes.csv.</summary>
public sealed record NodeRow(string Roi, double Degree, double Strength, double Clustering, int? Module, double Triangles);

/// <summary>The group difference per edge: difference [rois][rois] and the edges with FDR-adjusted p at or below 0.05.</summary>
public sealed record GroupDifferenceView(double[][] Difference, IReadOnlyList<(int A, int B)> Significant);

/// <summary>Reads a networks run's artifacts for its result panel (the caller's membership is checked by <see cref="RunService"/>).</summary>
public sealed class NetworkViewService(RunService runs, ContentStore store)
{
    /// <summary>The network of <paramref name="subject"/>; null when the run has none.</summary>
    public async Task<SubjectNetworkView?> SubjectAsync(string userId, Guid runId, string subject, IReadOnlyList<string> roiIds, CancellationToken ct = default)
    {
        var matrix = await runs.ReadNamedArrayAsync(userId, runId, NetworksArtifacts.Connectivity(subject).FileName, ct);
        if (matrix is not { Shape: [var n, var m] } z || n != m || n != roiIds.Count)
        {
            return null;
        }
        int p = (int)n;
        var rows = Enumerable.Range(0, p).Select(i => z.Values.AsSpan(i * p, p).ToArray()).ToArray();
        var index = roiIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var nodes = (await CsvAsync(userId, runId, NetworksArtifacts.Nodes.FileName, ct)).Where(c => c[0] == subject)
            .Select(c => new NodeRow(c[1], Number(c[2]), Number(c[3]), Number(c[4]), int.TryParse(c[5], CultureInfo.InvariantCulture, out var mod) ? mod : null, Number(c[6]))).ToList();
        var module = new int[p];
        foreach (var node in nodes.Where(x => index.ContainsKey(x.Roi)))
        {
            module[index[node.Roi]] = node.Module ?? 0;
        }
        var edges = (await CsvAsync(userId, runId, NetworksArtifacts.Edges.FileName, ct)).Where(c => c[0] == subject && index.ContainsKey(c[1]) && index.ContainsKey(c[2]))
            .Select(c => (index[c[1]], index[c[2]], Number(c[3]))).ToList();
        return new SubjectNetworkView(rows, module, nodes, edges);
    }

    /// <summary>The group difference; null when the run wrote none.</summary>
    public async Task<GroupDifferenceView?> GroupDifferenceAsync(string userId, Guid runId, IReadOnlyList<string> roiIds, CancellationToken ct = default)
    {
        var rows = await CsvAsync(userId, runId, NetworksArtifacts.GroupDifference.FileName, ct);
        if (rows.Count == 0)
        {
            return null;
        }
        int p = roiIds.Count;
        var index = roiIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var difference = Enumerable.Range(0, p).Select(_ => new double[p]).ToArray();
        var significant = new List<(int, int)>();
        foreach (var c in rows.Where(c => index.ContainsKey(c[0]) && index.ContainsKey(c[1])))
        {
            int a = index[c[0]], b = index[c[1]];
            difference[a][b] = difference[b][a] = Number(c[2]);
            if (Number(c[4]) <= 0.05)
            {
                significant.Add((a, b));
            }
        }
        return new GroupDifferenceView(difference, significant);
    }

    /// <summary>A CSV artifact's data rows split on commas (these tables quote nothing: region ids and subject ids have no commas).</summary>
    private async Task<List<string[]>> CsvAsync(string userId, Guid runId, string name, CancellationToken ct)
    {
        var artifact = (await runs.ArtifactsAsync(userId, runId, ct)).FirstOrDefault(a => a.Name == name);
        if (artifact is null)
        {
            return [];
        }
        await using var stream = store.OpenRead(artifact.Sha256);
        using var reader = new StreamReader(stream);
        var lines = (await reader.ReadToEndAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return [.. lines.Skip(1).Select(l => l.Split(','))];
    }

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
}
