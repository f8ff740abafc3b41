namespace NeuroLab.Analysis.Captions;

/// <summary>Inter-rater agreement for categorical judgements (caption reviews).</summary>
public static class Agreement
{
    /// <summary>
    /// Cohen's kappa of two raters over the same items: <c>(p_o - p_e) / (1 - p_e)</c> with observed agreement p_o and
    /// chance agreement p_e from each rater's marginals (as scikit-learn's <c>cohen_kappa_score</c>). NaN when p_e = 1.
    /// </summary>
    public static double CohenKappa(IReadOnlyList<int> a, IReadOnlyList<int> b, int categories)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count || a.Count == 0)
        {
            throw new ArgumentException($"Two raters need the same, non-empty items: {a.Count} and {b.Count}.", nameof(b));
        }
        var ma = new double[categories];
        var mb = new double[categories];
        double agree = 0;
        for (int i = 0; i < a.Count; i++)
        {
            ma[a[i]]++;
            mb[b[i]]++;
            agree += a[i] == b[i] ? 1 : 0;
        }
        double n = a.Count, po = agree / n, pe = 0;
        for (int c = 0; c < categories; c++)
        {
            pe += ma[c] / n * (mb[c] / n);
        }
        return pe >= 1 ? double.NaN : (po - pe) / (1 - pe);
    }

    /// <summary>
    /// Fleiss' kappa (Fleiss 1971) from counts <c>[items, categories]</c>: how many raters put each item in each
    /// category. Items may have different numbers of raters (at least two; items with fewer are skipped):
    /// <c>P_i = (sum_j n_ij^2 - n_i) / (n_i (n_i - 1))</c>, <c>p_j</c> = share of all ratings in category j,
    /// <c>kappa = (mean P_i - sum p_j^2) / (1 - sum p_j^2)</c>. NaN with no item rated twice or when chance agreement is 1.
    /// </summary>
    public static double FleissKappa(int[,] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int items = counts.GetLength(0), categories = counts.GetLength(1);
        var totals = new double[categories];
        double agreement = 0, rated = 0, ratings = 0;
        for (int i = 0; i < items; i++)
        {
            double n = 0, squares = 0;
            for (int j = 0; j < categories; j++)
            {
                n += counts[i, j];
                squares += (double)counts[i, j] * counts[i, j];
            }
            if (n < 2)
            {
                continue;
            }
            for (int j = 0; j < categories; j++)
            {
                totals[j] += counts[i, j];
            }
            ratings += n;
            agreement += (squares - n) / (n * (n - 1));
            rated++;
        }
        if (rated == 0)
        {
            return double.NaN;
        }
        double pBar = agreement / rated, pe = totals.Sum(t => t / ratings * (t / ratings));
        return pe >= 1 ? double.NaN : (pBar - pe) / (1 - pe);
    }
}
