namespace NeuroLab.Analysis.Captions;

/// <summary>A sparse vector: the non-zero columns (ascending) and their values, of a vector of <c>Length</c> entries.</summary>
public sealed record SparseVector(int[] Indices, float[] Values, int Length)
{
    /// <summary>Dot product with a dense vector of the same length.</summary>
    public double Dot(float[] dense)
    {
        double sum = 0;
        for (int k = 0; k < Indices.Length; k++)
        {
            sum += Values[k] * dense[Indices[k]];
        }
        return sum;
    }
}

/// <summary>Turns texts into vectors whose cosine similarity compares their meaning (the caption-evaluation embedding).</summary>
public interface ITextEmbedder
{
    /// <summary>One L2-normalised vector per text (all the same length); a text with no known word gives a zero vector.</summary>
    IReadOnlyList<float[]> Embed(IReadOnlyList<string> texts);
}

/// <summary>
/// TF-IDF over <see cref="TextTokens"/> words, as scikit-learn's <c>TfidfVectorizer</c> computes it with its defaults
/// (<c>smooth_idf=True</c>, <c>sublinear_tf=False</c>, <c>norm="l2"</c>): <c>idf = ln((1 + n) / (1 + df)) + 1</c>,
/// raw counts times idf, each row scaled to unit length. The vocabulary is fitted on a corpus; words outside it are
/// ignored. The offline default embedding of caption evaluation.
/// </summary>
public sealed class TfidfEmbedder : ITextEmbedder
{
    private readonly Dictionary<string, int> _index;
    private readonly double[] _idf;

    private TfidfEmbedder(Dictionary<string, int> index, double[] idf)
    {
        _index = index;
        _idf = idf;
    }

    /// <summary>Words of the vocabulary in column order (sorted, as scikit-learn orders them).</summary>
    public IReadOnlyList<string> Vocabulary => [.. _index.OrderBy(kv => kv.Value).Select(kv => kv.Key)];

    /// <summary>Inverse document frequency per vocabulary word.</summary>
    public IReadOnlyList<double> Idf => _idf;

    /// <summary>Fits the vocabulary and document frequencies on a corpus.</summary>
    public static TfidfEmbedder Fit(IEnumerable<string> corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var documents = corpus.Select(TextTokens.Tokenize).ToList();
        var words = documents.SelectMany(d => d).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var index = words.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i, StringComparer.Ordinal);
        var df = new int[words.Count];
        foreach (var document in documents)
        {
            foreach (var word in document.Distinct(StringComparer.Ordinal))
            {
                df[index[word]]++;
            }
        }
        int n = documents.Count;
        return new TfidfEmbedder(index, [.. df.Select(d => Math.Log((1.0 + n) / (1.0 + d)) + 1)]);
    }

    /// <summary>
    /// The same vector as <see cref="Embed"/> but sparse: the vocabulary columns of the text's words and their values.
    /// Captions have a handful of words, so scoring or comparing them this way costs little whatever the vocabulary size.
    /// </summary>
    public SparseVector EmbedSparse(string text)
    {
        var weights = new SortedDictionary<int, double>();
        foreach (var token in TextTokens.Tokenize(text))
        {
            if (_index.TryGetValue(token, out var i))
            {
                weights[i] = weights.GetValueOrDefault(i) + _idf[i];
            }
        }
        double norm = Math.Sqrt(weights.Values.Sum(x => x * x));
        return new SparseVector([.. weights.Keys], [.. weights.Values.Select(x => norm > 0 ? (float)(x / norm) : 0f)], _idf.Length);
    }

    /// <inheritdoc />
    public IReadOnlyList<float[]> Embed(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var vectors = new List<float[]>(texts.Count);
        foreach (var text in texts)
        {
            var v = new double[_idf.Length];
            foreach (var token in TextTokens.Tokenize(text))
            {
                if (_index.TryGetValue(token, out var i))
                {
                    v[i] += _idf[i];
                }
            }
            double norm = Math.Sqrt(v.Sum(x => x * x));
            vectors.Add([.. v.Select(x => norm > 0 ? (float)(x / norm) : 0f)]);
        }
        return vectors;
    }
}
