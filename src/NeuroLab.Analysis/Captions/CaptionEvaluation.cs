namespace NeuroLab.Analysis.Captions;

/// <summary>Caption diversity of a set of units (LaVCa's vocabulary size and effective dimensionality).</summary>
/// <param name="VocabularySize">Distinct words over all captions.</param>
/// <param name="EffectiveDimensions">Principal components of the caption embeddings needed for 90% of their variance.</param>
/// <param name="Captions">Captions counted.</param>
public sealed record CaptionDiversity(int VocabularySize, int EffectiveDimensions, int Captions);

/// <summary>
/// LaVCa's sentence-level caption evaluation (Matsuyama et al. 2025): a unit's caption predicts its response to a
/// held-out stimulus as the cosine similarity between the caption's embedding and the stimulus caption's embedding;
/// the score is the Spearman correlation of those predictions with the measured responses.
/// </summary>
public static class CaptionEvaluation
{
    /// <summary>Spearman's rank correlation (average ranks for ties, as scipy.stats.spearmanr); NaN when either side is constant.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"{x.Count} and {y.Count} values.", nameof(y));
        }
        return Pearson(Ranks(x), Ranks(y));
    }

    /// <summary>Ranks 1..n with ties given their average rank.</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++)
            {
                ranks[order[k]] = rank;
            }
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>Pearson's correlation; NaN when either side is constant.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }

    /// <summary>Cosine similarity of two vectors (0 when either is zero).</summary>
    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na > 0 && nb > 0 ? dot / Math.Sqrt(na * nb) : 0;
    }

    /// <summary>The sentence-level score of one unit's caption.</summary>
    /// <param name="caption">The unit's caption embedding.</param>
    /// <param name="stimuli">Embeddings of the held-out stimuli's captions.</param>
    /// <param name="measured">The unit's measured responses to those stimuli.</param>
    public static double SentenceScore(float[] caption, IReadOnlyList<float[]> stimuli, IReadOnlyList<double> measured)
    {
        ArgumentNullException.ThrowIfNull(caption);
        ArgumentNullException.ThrowIfNull(stimuli);
        return Spearman([.. stimuli.Select(s => Cosine(caption, s))], measured);
    }

    /// <summary>
    /// <see cref="SentenceScore(float[], IReadOnlyList{float[]}, IReadOnlyList{double})"/> for a sparse, unit-length caption
    /// vector against unit-length stimulus vectors: the cosine is then the sparse dot product.
    /// </summary>
    public static double SentenceScore(SparseVector caption, IReadOnlyList<float[]> stimuli, IReadOnlyList<double> measured)
    {
        ArgumentNullException.ThrowIfNull(caption);
        ArgumentNullException.ThrowIfNull(stimuli);
        return Spearman([.. stimuli.Select(caption.Dot)], measured);
    }

    /// <summary>
    /// <see cref="Diversity(IReadOnlyList{string}, ITextEmbedder, double)"/> with TF-IDF vectors kept sparse: the
    /// covariance <c>sum_i x_i x_i^T / n - mean mean^T</c> is accumulated over each caption's few non-zero words and its
    /// eigenvalues give the explained variances, so no [captions, vocabulary] matrix is formed.
    /// </summary>
    public static CaptionDiversity Diversity(IReadOnlyList<string> captions, TfidfEmbedder embedder, double varianceFraction = 0.9)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        return Diversity(captions, varianceFraction, () => SparseVariances(captions, embedder));
    }

    /// <summary>Vocabulary size and the number of principal components holding 90% of the caption embeddings' variance.</summary>
    public static CaptionDiversity Diversity(IReadOnlyList<string> captions, ITextEmbedder embedder, double varianceFraction = 0.9)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        return Diversity(captions, varianceFraction, () => DenseVariances(captions, embedder));
    }

    /// <summary>The vocabulary and, from two captions on, the components for the fraction of the variances <paramref name="variances"/> computes.</summary>
    private static CaptionDiversity Diversity(IReadOnlyList<string> captions, double varianceFraction, Func<double[]> variances)
    {
        ArgumentNullException.ThrowIfNull(captions);
        int vocabulary = captions.SelectMany(TextTokens.Tokenize).Distinct(StringComparer.Ordinal).Count();
        return captions.Count < 2
            ? new CaptionDiversity(vocabulary, captions.Count, captions.Count)
            : new CaptionDiversity(vocabulary, Components(variances(), varianceFraction), captions.Count);
    }

    /// <summary>How many of the variances (largest first) hold <paramref name="fraction"/> of their sum; 0 when the sum is 0.</summary>
    private static int Components(double[] variances, double fraction)
    {
        double total = variances.Sum();
        if (total <= 0)
        {
            return 0;
        }
        double cumulative = 0;
        int k = 0;
        while (k < variances.Length && cumulative < fraction * total - 1e-12 * total)
        {
            cumulative += variances[k];
            k++;
        }
        return k;
    }

    /// <summary>Eigenvalues of the sparse TF-IDF vectors' covariance, largest first.</summary>
    private static double[] SparseVariances(IReadOnlyList<string> captions, TfidfEmbedder embedder)
    {
        int d = embedder.Vocabulary.Count, n = captions.Count;
        var covariance = new double[(long)d * d];
        var mean = new double[d];
        foreach (var caption in captions)
        {
            var v = embedder.EmbedSparse(caption);
            for (int a = 0; a < v.Indices.Length; a++)
            {
                mean[v.Indices[a]] += v.Values[a] / (double)n;
                for (int b = 0; b < v.Indices.Length; b++)
                {
                    covariance[(long)v.Indices[a] * d + v.Indices[b]] += (double)v.Values[a] * v.Values[b] / n;
                }
            }
        }
        for (int a = 0; a < d; a++)
        {
            for (int b = 0; b < d; b++)
            {
                covariance[(long)a * d + b] -= mean[a] * mean[b];
            }
        }
        using var scope = TorchSharp.torch.NewDisposeScope();
        return TorchSharp.torch.linalg.eigvalsh(TorchSharp.torch.tensor(covariance, [d, d])).data<double>().Select(e => Math.Max(e, 0)).OrderDescending().ToArray();
    }

    /// <summary>Squared singular values of the centred embeddings [captions, dimensions], largest first.</summary>
    private static double[] DenseVariances(IReadOnlyList<string> captions, ITextEmbedder embedder)
    {
        var vectors = embedder.Embed(captions);
        int n = vectors.Count, d = vectors[0].Length;
        using var scope = TorchSharp.torch.NewDisposeScope();
        var x = TorchSharp.torch.tensor(vectors.SelectMany(v => v).Select(v => (double)v).ToArray(), [n, d]);
        x = x - x.mean([0L], keepdim: true);
        return [.. TorchSharp.torch.linalg.svdvals(x).data<double>().Select(s => s * s)];
    }
}
