namespace NeuroLab.Analysis.Rsa;

/// <summary>
/// Compares RDMs (Nili et al. 2014; rsatoolbox <c>rsatoolbox.rdm.compare</c>): Spearman (average ranks), Kendall
/// tau-a, Pearson, cosine and whitened Pearson (Diedrichsen et al. 2021, rsatoolbox <c>corr_cov</c>:
/// <c>r = a'V^-1 b / sqrt(a'V^-1 a · b'V^-1 b)</c> of the mean-centred vectors, V the covariance of RDM entries under
/// iid condition noise, see <see cref="RdmCovariance"/>). Entries that are NaN in either RDM are dropped pairwise.
/// Kendall tau-a is exact: <c>(concordant - discordant) / (m(m-1)/2)</c> with ties counting as neither, as scipy's
/// tau-a, computed in O(m log m) by Knight's merge-sort method; unlike tau-b it penalises a model that predicts ties
/// the data do not have (the reason Nili et al. use it for category models).
/// </summary>
public static class RdmComparison
{
    /// <summary>One similarity per model against one data RDM. The data RDM is ranked, ordered, centred or whitened
    /// once for all models.</summary>
    /// <param name="models">Model RDMs, each of the data's length.</param>
    /// <param name="data">The data RDM (condensed).</param>
    /// <param name="method">The comparison.</param>
    /// <returns>Per model, in order; NaN where fewer than 2 common entries remain or a vector is constant.</returns>
    public static double[] Compare(IReadOnlyList<double[]> models, double[] data, RdmComparisonMethod method)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(data);
        if (!Enum.IsDefined(method))
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, $"Unknown comparison; allowed: {string.Join(", ", Enum.GetNames<RdmComparisonMethod>())}.");
        }
        if (method == RdmComparisonMethod.WhitenedPearson)
        {
            Rdm.Conditions(data.Length);
        }
        var prepared = new RankedRdm[models.Count];
        for (int i = 0; i < models.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(models[i]);
            if (models[i].Length != data.Length)
            {
                throw new ArgumentException($"Model RDM {i} has {models[i].Length} entries; the data RDM has {data.Length}.", nameof(models));
            }
            prepared[i] = RankedRdm.Prepare(models[i], method);
        }
        var result = new double[models.Count];
        new RdmComparer(method).CompareAll(prepared, RankedRdm.Prepare(data, method), result);
        return result;
    }

    /// <summary>The similarity of two RDMs (symmetric in a and b).</summary>
    public static double Compare(double[] a, double[] b, RdmComparisonMethod method) => Compare([a], b, method)[0];
}
