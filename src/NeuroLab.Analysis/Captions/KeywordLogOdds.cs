namespace NeuroLab.Analysis.Captions;

/// <summary>
/// A word over-represented in a unit's preferred captions: its log-odds ratio, variance and z-score; in an embedding
/// space, also the cosine between the unit's weights and the word's embedding (LaVCa's keyword filter).
/// </summary>
public sealed record KeywordScore(string Word, double LogOdds, double Variance, double Z, int CountInTop, int CountInAll, double? WeightSimilarity = null);

/// <summary>
/// Words over-represented in a set of captions (a unit's top-N preferred stimuli) relative to a reference corpus (all
/// captions), by the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008, "Fightin'
/// Words", Political Analysis 16(4), eq. 16-22). With counts <c>y_w</c> in the top set (total <c>n</c>), <c>r_w</c> in the
/// rest of the corpus (total <c>m</c>) and prior <c>alpha_w = a0 * f_w</c> from the whole corpus' word frequencies
/// <c>f_w</c> (<c>a0</c> = prior strength):
/// <c>delta_w = log((y_w + alpha_w) / (n + a0 - y_w - alpha_w)) - log((r_w + alpha_w) / (m + a0 - r_w - alpha_w))</c>,
/// <c>var ~ 1 / (y_w + alpha_w) + 1 / (r_w + alpha_w)</c>, <c>z = delta / sqrt(var)</c>.
/// </summary>
public static class KeywordLogOdds
{
    /// <summary>Prior strength <c>a0</c> by default: the corpus' token count (the paper's choice of a prior as informative as the data).</summary>
    public static double DefaultPriorStrength(int corpusTokens) => Math.Max(1, corpusTokens);

    /// <summary>Scores every word of the top set, most over-represented first.</summary>
    /// <param name="top">Token lists of the preferred captions.</param>
    /// <param name="all">Token lists of every caption (the corpus, including the top set).</param>
    /// <param name="priorStrength"><c>a0</c>; null uses <see cref="DefaultPriorStrength"/>.</param>
    public static IReadOnlyList<KeywordScore> Score(IEnumerable<IReadOnlyList<string>> top, IEnumerable<IReadOnlyList<string>> all, double? priorStrength = null)
    {
        ArgumentNullException.ThrowIfNull(all);
        return Score(top, CorpusCounts(all), priorStrength);
    }

    /// <summary>Word counts of a corpus, counted once and shared by the scores of many units.</summary>
    public static IReadOnlyDictionary<string, int> CorpusCounts(IEnumerable<IReadOnlyList<string>> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        return Count(all);
    }

    /// <summary>Scores every word of the top set against precomputed corpus counts (<see cref="CorpusCounts"/>).</summary>
    public static IReadOnlyList<KeywordScore> Score(IEnumerable<IReadOnlyList<string>> top, IReadOnlyDictionary<string, int> allCounts, double? priorStrength = null)
    {
        ArgumentNullException.ThrowIfNull(top);
        ArgumentNullException.ThrowIfNull(allCounts);
        var topCounts = Count(top);
        foreach (var (word, count) in topCounts)
        {
            if (!allCounts.TryGetValue(word, out var total) || total < count)
            {
                throw new ArgumentException($"The top captions contain '{word}' more often than the whole corpus; the corpus must include them.", nameof(allCounts));
            }
        }
        double corpus = allCounts.Values.Sum(c => (double)c);
        double n = topCounts.Values.Sum();
        double m = corpus - n;
        double a0 = priorStrength ?? DefaultPriorStrength((int)corpus);
        if (!(a0 > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(priorStrength), "The prior strength must be positive.");
        }
        var scores = new List<KeywordScore>();
        foreach (var (word, y) in topCounts)
        {
            double r = allCounts[word] - y;
            double alpha = a0 * allCounts[word] / corpus;
            double delta = Math.Log((y + alpha) / (n + a0 - y - alpha)) - Math.Log((r + alpha) / (m + a0 - r - alpha));
            double variance = 1.0 / (y + alpha) + 1.0 / (r + alpha);
            scores.Add(new KeywordScore(word, delta, variance, delta / Math.Sqrt(variance), y, allCounts[word]));
        }
        return [.. scores.OrderByDescending(s => s.Z).ThenBy(s => s.Word, StringComparer.Ordinal)];
    }

    private static Dictionary<string, int> Count(IEnumerable<IReadOnlyList<string>> documents)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            foreach (var token in document)
            {
                counts[token] = counts.GetValueOrDefault(token) + 1;
            }
        }
        return counts;
    }
}
