using static TorchSharp.torch;

namespace NeuroLab.Analysis.Networks;

/// <summary>A network's communities: each node's module (0-based, numbered by each module's lowest node) and Q.</summary>
public sealed record Communities(int[] Module, int ModuleCount, double Q);

/// <summary>
/// Modularity of a weighted undirected network [rois, rois]: Q = (1/2m) Σᵢⱼ (Aᵢⱼ - kᵢkⱼ/2m) δ(cᵢ, cⱼ) (Newman 2006;
/// networkx 2.8.8 <c>community.modularity</c>, resolution 1), and communities by Newman's leading-eigenvector method
/// (Newman 2006, PNAS 103:8577): split a module by the signs of the leading eigenvector of its generalised modularity
/// matrix B⁽ᵍ⁾ᵢⱼ = Bᵢⱼ - δᵢⱼ Σₗ∈g Bᵢₗ while that raises Q; no Kernighan-Lin fine tuning. Deterministic (no random
/// start, unlike Louvain). Nodes without edges are modules of one node.
/// </summary>
public static class Modularity
{
    private const double Tolerance = 1e-10;

    /// <summary>Q of <paramref name="module"/> (a module per node) on <paramref name="adjacency"/>; NaN without edges.</summary>
    public static double Q(double[,] adjacency, IReadOnlyList<int> module)
    {
        int p = adjacency.GetLength(0);
        var k = Strengths(adjacency, out double twoM);
        if (twoM == 0)
        {
            return double.NaN;
        }
        double q = 0;
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                if (module[i] == module[j])
                {
                    q += adjacency[i, j] - k[i] * k[j] / twoM;
                }
            }
        }
        return q / twoM;
    }

    /// <summary>Communities by repeated leading-eigenvector bisection; one module (Q NaN) when the network has no edges.</summary>
    public static Communities LeadingEigenvector(double[,] adjacency)
    {
        int p = adjacency.GetLength(0);
        var k = Strengths(adjacency, out double twoM);
        var labels = new int[p];
        if (twoM == 0)
        {
            return new Communities(labels, p == 0 ? 0 : 1, double.NaN);
        }
        var b = new double[p, p];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                b[i, j] = adjacency[i, j] - k[i] * k[j] / twoM;
            }
        }
        var pending = new Stack<int[]>();
        var done = new List<int[]>();
        // Nodes without edges have zero rows in B, so their eigenvector components are zero up to rounding and their
        // side of a split would be arbitrary: each is a module of its own (as Louvain leaves them); Q is unchanged.
        var connected = Enumerable.Range(0, p).Where(i => k[i] != 0).ToArray();
        done.AddRange(Enumerable.Range(0, p).Where(i => k[i] == 0).Select(i => new[] { i }));
        pending.Push(connected);
        while (pending.TryPop(out var group))
        {
            var split = Bisect(b, group, twoM);
            if (split is null)
            {
                done.Add(group);
            }
            else
            {
                pending.Push(split.Value.Second);
                pending.Push(split.Value.First);
            }
        }
        // Modules numbered by their lowest node, so the numbering does not depend on the order of splitting.
        var ordered = done.OrderBy(g => g.Min()).ToList();
        for (int m = 0; m < ordered.Count; m++)
        {
            foreach (int i in ordered[m])
            {
                labels[i] = m;
            }
        }
        return new Communities(labels, ordered.Count, Q(adjacency, labels));
    }

    private static (int[] First, int[] Second)? Bisect(double[,] b, int[] group, double twoM)
    {
        int n = group.Length;
        if (n < 2)
        {
            return null;
        }
        var bg = new double[n * n];
        for (int a = 0; a < n; a++)
        {
            double rowSum = 0;
            for (int c = 0; c < n; c++)
            {
                rowSum += b[group[a], group[c]];
            }
            for (int c = 0; c < n; c++)
            {
                bg[a * n + c] = b[group[a], group[c]] - (a == c ? rowSum : 0);
            }
        }
        double[] leading;
        double eigenvalue;
        using (var scope = NewDisposeScope())
        {
            var (values, vectors) = linalg.eigh(tensor(bg, [n, n], ScalarType.Float64));
            eigenvalue = values[n - 1].item<double>();
            leading = vectors[.., n - 1].contiguous().data<double>().ToArray();
        }
        if (eigenvalue <= Tolerance)
        {
            return null;
        }
        var s = leading.Select(v => v >= 0 ? 1.0 : -1.0).ToArray();
        double gain = 0;
        for (int a = 0; a < n; a++)
        {
            for (int c = 0; c < n; c++)
            {
                gain += s[a] * bg[a * n + c] * s[c];
            }
        }
        gain /= 2 * twoM;
        var first = group.Where((_, a) => s[a] > 0).ToArray();
        var second = group.Where((_, a) => s[a] < 0).ToArray();
        return gain <= Tolerance || first.Length == 0 || second.Length == 0 ? null : (first, second);
    }

    private static double[] Strengths(double[,] adjacency, out double twoM)
    {
        int p = adjacency.GetLength(0);
        var k = new double[p];
        twoM = 0;
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                k[i] += adjacency[i, j];
            }
            twoM += k[i];
        }
        return k;
    }
}
