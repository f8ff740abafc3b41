namespace NeuroLab.Analysis.Rsa;

/// <summary>
/// Topological RSA (Lin and Kriegeskorte 2023, "The topology and geometry of neural representations", PNAS): the
/// geo-topological transform of an RDM. Distances are rank-normalised to (0, 1] — average ranks (ties share their
/// mean rank, scipy <c>rankdata</c>) divided by the number of non-missing entries — then mapped
/// <c>r &lt;= lower -> 0</c>, <c>r &gt;= upper -> 1</c>, <c>(r - lower)/(upper - lower)</c> between: small distances
/// are treated as equal ("same neighbourhood"), large ones as saturated.
/// With <c>geodesic</c>, the result is then the shortest-path length over the graph whose edges are the pairs with a
/// transformed distance below 1, weighted by that value (0-weight edges are edges), by Floyd-Warshall; path lengths
/// are divided by the largest finite one and unreachable pairs set to 1 (what scipy's <c>shortest_path</c> on
/// those edges followed by that normalisation gives, as in <c>Reference/rsa_reference.py</c>). NaN stays NaN and is no edge.
/// </summary>
public static class TopologicalRsa
{
    /// <summary>The geo-topological transform of a condensed RDM.</summary>
    /// <param name="rdm">Condensed RDM.</param>
    /// <param name="lower">Lower threshold on the rank-normalised distance, 0 &lt;= lower &lt; upper.</param>
    /// <param name="upper">Upper threshold, upper &lt;= 1.</param>
    /// <param name="geodesic">Replace the transformed distances by normalised shortest paths.</param>
    /// <exception cref="ArgumentException">The thresholds are out of order or range, or the length is not triangular.</exception>
    public static double[] Transform(double[] rdm, double lower, double upper, bool geodesic = false)
    {
        ArgumentNullException.ThrowIfNull(rdm);
        if (!(lower >= 0 && lower < upper && upper <= 1))
        {
            throw new ArgumentException($"Thresholds must satisfy 0 <= lower < upper <= 1; got lower {lower}, upper {upper}.", nameof(lower));
        }
        int n = Rdm.Conditions(rdm.Length);
        var ranks = RankedRdm.AverageRanks(rdm);
        int valid = ranks.Count(r => !double.IsNaN(r));
        var t = new double[rdm.Length];
        for (int k = 0; k < t.Length; k++)
        {
            double r = ranks[k] / valid;
            t[k] = double.IsNaN(r) ? double.NaN : r <= lower ? 0 : r >= upper ? 1 : (r - lower) / (upper - lower);
        }
        return geodesic ? Geodesic(t, n) : t;
    }

    private static double[] Geodesic(double[] t, int n)
    {
        var d = new double[n * n];
        Array.Fill(d, double.PositiveInfinity);
        for (int i = 0; i < n; i++)
        {
            d[(i * n) + i] = 0;
            for (int j = i + 1; j < n; j++)
            {
                double w = t[Rdm.Index(i, j, n)];
                if (w < 1)
                {
                    d[(i * n) + j] = d[(j * n) + i] = w;
                }
            }
        }
        for (int via = 0; via < n; via++)
        {
            int v = via;
            Parallel.For(0, n, i =>
            {
                double div = d[(i * n) + v];
                if (double.IsPositiveInfinity(div))
                {
                    return;
                }
                for (int j = 0; j < n; j++)
                {
                    double alt = div + d[(v * n) + j];
                    if (alt < d[(i * n) + j])
                    {
                        d[(i * n) + j] = alt;
                    }
                }
            });
        }
        var result = new double[t.Length];
        double max = 0;
        for (int i = 0, k = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++, k++)
            {
                result[k] = double.IsNaN(t[k]) ? double.NaN : d[(i * n) + j];
                if (double.IsFinite(result[k]))
                {
                    max = Math.Max(max, result[k]);
                }
            }
        }
        for (int k = 0; k < result.Length; k++)
        {
            if (double.IsPositiveInfinity(result[k]))
            {
                result[k] = 1;
            }
            else if (max > 0 && !double.IsNaN(result[k]))
            {
                result[k] /= max;
            }
        }
        return result;
    }
}
