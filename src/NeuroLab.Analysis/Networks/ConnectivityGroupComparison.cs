using NeuroLab.Analysis.Encoding;

namespace NeuroLab.Analysis.Networks;

/// <summary>Edge-wise group difference: per edge of the upper triangle (row-major) the difference and its p values.</summary>
/// <param name="Difference">Mean z of group A minus mean z of group B [edges].</param>
/// <param name="P">Uncorrected two-sided permutation p [edges]: (1 + #|perm| ≥ |obs|) / (1 + permutations).</param>
/// <param name="PFdr">Benjamini-Hochberg adjusted p [edges].</param>
/// <param name="PMax">Family-wise p from the maximum |difference| over edges in each permutation [edges].</param>
/// <param name="Permutations">Shuffles of the group labels.</param>
public sealed record EdgeDifference(double[] Difference, double[] P, double[] PFdr, double[] PMax, int Permutations);

/// <summary>
/// Compares connectivity between two groups of samples edge by edge with a permutation test of the group labels
/// (Nichols &amp; Holmes 2002; max-statistic for family-wise control, Benjamini-Hochberg for FDR). The samples are
/// subjects, or, when a group has one subject, that subject's sliding-window connectivity matrices: then the test
/// asks whether the two subjects' windows differ, and since neighbouring windows are not independent its p values
/// are optimistic — a description of two scans, not an inference about populations.
/// </summary>
public static class ConnectivityGroupComparison
{
    /// <summary>The upper triangle (i &lt; j, row-major) of a [rois, rois] matrix [rois (rois - 1) / 2].</summary>
    public static double[] UpperTriangle(double[,] matrix)
    {
        int p = matrix.GetLength(0);
        var v = new double[p * (p - 1) / 2];
        int e = 0;
        for (int i = 0; i < p; i++)
        {
            for (int j = i + 1; j < p; j++)
            {
                v[e++] = matrix[i, j];
            }
        }
        return v;
    }

    /// <summary>Edge-wise A - B of mean Fisher z with permutation p values.</summary>
    /// <param name="groupA">Samples of group A, each a vector of edges (<see cref="UpperTriangle"/>).</param>
    /// <param name="groupB">Samples of group B.</param>
    /// <param name="permutations">Shuffles of the labels (SplitMix64 Fisher-Yates, as the reference script).</param>
    /// <param name="seed">Seed of the shuffles.</param>
    /// <param name="progress">Called with the permutations done so far.</param>
    /// <param name="ct">Stops between permutations.</param>
    public static EdgeDifference Compare(IReadOnlyList<double[]> groupA, IReadOnlyList<double[]> groupB, int permutations, ulong seed,
        Action<int>? progress = null, CancellationToken ct = default)
    {
        if (groupA.Count < 2 || groupB.Count < 2)
        {
            throw new ArgumentException("Each group needs two or more samples.");
        }
        var samples = groupA.Concat(groupB).ToArray();
        int nA = groupA.Count, n = samples.Length, edges = samples[0].Length;
        var observed = Difference(samples, Enumerable.Range(0, n).Select(i => (long)i).ToArray(), nA, edges);
        var exceed = new int[edges];
        var maxima = new double[permutations];
        var rng = new SplitMix64(seed);
        for (int b = 0; b < permutations; b++)
        {
            ct.ThrowIfCancellationRequested();
            var d = Difference(samples, rng.Permutation(n), nA, edges);
            double max = 0;
            for (int e = 0; e < edges; e++)
            {
                double a = Math.Abs(d[e]);
                if (a >= Math.Abs(observed[e]) - 1e-12)
                {
                    exceed[e]++;
                }
                if (a > max)
                {
                    max = a;
                }
            }
            maxima[b] = max;
            progress?.Invoke(b + 1);
        }
        // An edge undefined in some sample (a constant region) has no p value; FDR runs over the defined edges.
        var p = exceed.Select((c, e) => double.IsFinite(observed[e]) ? (1.0 + c) / (1.0 + permutations) : double.NaN).ToArray();
        Array.Sort(maxima);
        var pMax = observed.Select(o => double.IsFinite(o) ? (1.0 + permutations - LowerBound(maxima, Math.Abs(o) - 1e-12)) / (1.0 + permutations) : double.NaN).ToArray();
        var defined = Enumerable.Range(0, edges).Where(e => double.IsFinite(p[e])).ToArray();
        var q = FalseDiscoveryRate.BenjaminiHochberg([.. defined.Select(e => p[e])]);
        var pFdr = Enumerable.Repeat(double.NaN, edges).ToArray();
        for (int i = 0; i < defined.Length; i++)
        {
            pFdr[defined[i]] = q[i];
        }
        return new EdgeDifference(observed, p, pFdr, pMax, permutations);
    }

    /// <summary>The first index of sorted <paramref name="values"/> not below <paramref name="x"/>.</summary>
    private static int LowerBound(double[] values, double x)
    {
        int lo = 0, hi = values.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (values[mid] < x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    /// <summary>Mean of the samples placed first (<paramref name="nA"/> of <paramref name="order"/>) minus the mean of the rest.</summary>
    private static double[] Difference(double[][] samples, long[] order, int nA, int edges)
    {
        var d = new double[edges];
        int n = order.Length;
        for (int s = 0; s < n; s++)
        {
            var x = samples[order[s]];
            double w = s < nA ? 1.0 / nA : -1.0 / (n - nA);
            for (int e = 0; e < edges; e++)
            {
                d[e] += w * x[e];
            }
        }
        return d;
    }
}
