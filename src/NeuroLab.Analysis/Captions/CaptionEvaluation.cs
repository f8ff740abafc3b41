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

    /// <summary>Vocabulary size and the number of principal components holding 90% of the caption embeddings' variance.</summary>
    public static CaptionDiversity Diversity(IReadOnlyList<string> captions, ITextEmbedder embedder, double varianceFraction = 0.9)
    {
        ArgumentNullException.ThrowIfNull(captions);
        ArgumentNullException.ThrowIfNull(embedder);
        int vocabulary = captions.SelectMany(TextTokens.Tokenize).Distinct(StringComparer.Ordinal).Count();
        if (captions.Count < 2)
        {
            return new CaptionDiversity(vocabulary, captions.Count, captions.Count);
        }
        var vectors = embedder.Embed(captions);
        int n = vectors.Count, d = vectors[0].Length;
        using var scope = TorchSharp.torch.NewDisposeScope();
        var x = TorchSharp.torch.tensor(vectors.SelectMany(v => v).Select(v => (double)v).ToArray(), [n, d]);
        x = x - x.mean([0L], keepdim: true);
        var singular = TorchSharp.torch.linalg.svdvals(x).data<double>().ToArray();
        double total = singular.Sum(s => s * s);
        if (total <= 0)
        {
            return new CaptionDiversity(vocabulary, 0, n);
        }
        double cumulative = 0;
        int k = 0;
        while (k < singular.Length && cumulative < varianceFraction * total - 1e-12)
        {
            cumulative += singular[k] * singular[k];
            k++;
        }
        return new CaptionDiversity(vocabulary, k, n);
    }
}
