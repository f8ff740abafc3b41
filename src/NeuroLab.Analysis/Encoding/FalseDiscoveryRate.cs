namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// Benjamini-Hochberg false discovery rate control (Benjamini and Hochberg 1995), as
/// <c>statsmodels.stats.multitest.multipletests(method="fdr_bh")</c> and <c>scipy.stats.false_discovery_control</c>:
/// with the m p-values sorted ascending, <c>q_(i) = min_{j &gt;= i} min(1, m p_(j) / j)</c>; units with
/// <c>q &lt;= level</c> are declared significant, which controls the expected share of false discoveries at
/// <c>level</c> for independent or positively dependent tests.
/// </summary>
public static class FalseDiscoveryRate
{
    /// <summary>The BH-adjusted p-values (q-values), in the input order.</summary>
    /// <param name="pValues">p-values in [0, 1].</param>
    /// <exception cref="ArgumentException">A p-value outside [0, 1] or NaN.</exception>
    public static double[] BenjaminiHochberg(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        int m = pValues.Count;
        for (int i = 0; i < m; i++)
        {
            if (!(pValues[i] >= 0 && pValues[i] <= 1))
            {
                throw new ArgumentException($"p-value {i} is {pValues[i]}; p-values must lie in [0, 1].", nameof(pValues));
            }
        }
        int[] order = [.. Enumerable.Range(0, m).OrderBy(i => pValues[i])];
        var q = new double[m];
        double running = 1;
        for (int rank = m; rank >= 1; rank--)
        {
            int i = order[rank - 1];
            running = Math.Min(running, pValues[i] * m / rank);
            q[i] = running;
        }
        return q;
    }

    /// <summary>Which units are discoveries at false discovery rate <paramref name="level"/>: <c>q &lt;= level</c>.</summary>
    /// <param name="qValues">Output of <see cref="BenjaminiHochberg"/>.</param>
    /// <param name="level">The FDR level, e.g. 0.05.</param>
    public static bool[] Significant(IReadOnlyList<double> qValues, double level)
    {
        ArgumentNullException.ThrowIfNull(qValues);
        if (!(level > 0 && level <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The FDR level must be in (0, 1].");
        }
        return [.. qValues.Select(q => q <= level)];
    }
}
