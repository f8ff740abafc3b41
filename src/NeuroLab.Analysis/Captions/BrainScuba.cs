namespace NeuroLab.Analysis.Captions;

/// <summary>
/// BrainSCUBA's projection of a unit's encoder weights onto the manifold of natural-image embeddings (Luo et al.
/// 2023, "Brain Diffusion for Visual Exploration"/BrainSCUBA, github aluo-x/BrainSCUBA): with the weight vector
/// <c>w</c> and pool embeddings <c>e_i</c> all L2-normalised, <c>p = sum_i softmax(tau * cos(w, e_i)) e_i</c>, normalised.
/// The pool items nearest to <c>p</c> stand in for the paper's decoded caption (ClipCap there; their captions here).
/// </summary>
public static class BrainScuba
{
    /// <summary>The paper's softmax temperature.</summary>
    public const double DefaultTemperature = 150;

    /// <summary>L2-normalised copy of a vector (zeros stay zeros).</summary>
    public static float[] Normalize(ReadOnlySpan<float> v)
    {
        double norm = 0;
        foreach (var x in v)
        {
            norm += (double)x * x;
        }
        norm = Math.Sqrt(norm);
        var result = new float[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            result[i] = norm > 0 ? (float)(v[i] / norm) : 0f;
        }
        return result;
    }

    /// <summary>Projects a weight vector onto the pool (rows of <paramref name="pool"/> must be L2-normalised).</summary>
    /// <param name="weights">The unit's encoder weights in the embedding space.</param>
    /// <param name="pool">Pool embeddings, one per row, each of unit length.</param>
    /// <param name="temperature">Softmax temperature tau.</param>
    public static float[] Project(ReadOnlySpan<float> weights, IReadOnlyList<float[]> pool, double temperature = DefaultTemperature)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Count == 0)
        {
            throw new ArgumentException("The embedding pool is empty.", nameof(pool));
        }
        int dimensions = weights.Length;
        if (pool.Any(e => e.Length != dimensions))
        {
            throw new ArgumentException($"Pool embeddings must have the weights' {dimensions} dimensions.", nameof(pool));
        }
        var w = Normalize(weights);
        var logits = new double[pool.Count];
        for (int i = 0; i < pool.Count; i++)
        {
            double dot = 0;
            for (int j = 0; j < w.Length; j++)
            {
                dot += w[j] * pool[i][j];
            }
            logits[i] = temperature * dot;
        }
        double max = logits.Max();
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = Math.Exp(logits[i] - max);
            sum += logits[i];
        }
        var projected = new double[w.Length];
        for (int i = 0; i < pool.Count; i++)
        {
            double p = logits[i] / sum;
            for (int j = 0; j < w.Length; j++)
            {
                projected[j] += p * pool[i][j];
            }
        }
        return Normalize([.. projected.Select(x => (float)x)]);
    }

    /// <summary>Indices of the <paramref name="k"/> pool items most similar (cosine) to <paramref name="embedding"/>, most similar first, with their similarity.</summary>
    public static IReadOnlyList<(int Index, double Cosine)> Nearest(float[] embedding, IReadOnlyList<float[]> pool, int k) =>
        [.. pool.Select((e, i) => (Index: i, Cosine: CaptionEvaluation.Cosine(embedding, e))).OrderByDescending(p => p.Cosine).ThenBy(p => p.Index).Take(k)];
}
