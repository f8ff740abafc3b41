using System.Text.Json;
using NeuroLab.Analysis.Captions;

namespace NeuroLab.Analysis.Tests.Captions;

/// <summary>
/// Caption statistics against Reference/captions_reference.json, written by Reference/captions_reference.py with
/// numpy 1.24.2 (Monroe et al. log-odds), scikit-learn 1.2.1 (TfidfVectorizer) and scipy 1.10.1 (spearmanr).
/// </summary>
public sealed class CaptionTests
{
    private static readonly JsonElement Reference = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Analysis.Tests", "Reference", "captions_reference.json"))).RootElement;

    private static List<string[]> Docs => [.. Reference.GetProperty("docs").EnumerateArray().Select(d => d.EnumerateArray().Select(w => w.GetString()!).ToArray())];

    [Fact]
    public void Tokenizer_LowerCasesDropsStopWordsAndPunctuation_KeepsHyphenatedWords()
    {
        Assert.Equal(["smiling", "woman", "front", "red-brick", "house", "1990s"], TextTokens.Tokenize("A smiling WOMAN, in front of the red-brick house (1990s)!"));
        Assert.Empty(TextTokens.Tokenize("  "));
        Assert.Empty(TextTokens.Tokenize(null));
    }

    [Fact]
    public void LogOdds_MatchesTheNumpyReference()
    {
        var docs = Docs;
        var top = Reference.GetProperty("top").EnumerateArray().Select(i => docs[i.GetInt32()]).ToList();
        var scores = KeywordLogOdds.Score(top, docs);
        var expected = Reference.GetProperty("logodds");
        Assert.Equal(expected.EnumerateObject().Count(), scores.Count);
        foreach (var score in scores)
        {
            var e = expected.GetProperty(score.Word);
            Assert.Equal(e.GetProperty("delta").GetDouble(), score.LogOdds, 1e-12);
            Assert.Equal(e.GetProperty("variance").GetDouble(), score.Variance, 1e-12);
            Assert.Equal(e.GetProperty("z").GetDouble(), score.Z, 1e-12);
        }
        // "face" (4 of 5 corpus uses in the top captions) is the most over-represented word.
        Assert.Equal("face", scores[0].Word);
        Assert.True(scores.Single(s => s.Word == "smiling").Z > scores.Single(s => s.Word == "beard").Z);
    }

    [Fact]
    public void LogOdds_RefusesATopSetOutsideTheCorpus()
    {
        var e = Assert.Throws<ArgumentException>(() => KeywordLogOdds.Score([["face", "face"]], [["face"]]));
        Assert.Contains("'face'", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => KeywordLogOdds.Score([["a1"]], [["a1"]], priorStrength: 0));
    }

    [Fact]
    public void Tfidf_MatchesScikitLearn()
    {
        var texts = Docs.Select(d => string.Join(' ', d)).ToList();
        var embedder = TfidfEmbedder.Fit(texts);
        Assert.Equal(Reference.GetProperty("vocabulary").EnumerateArray().Select(v => v.GetString()), embedder.Vocabulary);
        var idf = Reference.GetProperty("idf").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (int i = 0; i < idf.Length; i++)
        {
            Assert.Equal(idf[i], embedder.Idf[i], 1e-12);
        }
        var vectors = embedder.Embed(texts);
        var expected = Reference.GetProperty("tfidf").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        for (int d = 0; d < expected.Length; d++)
        {
            for (int w = 0; w < expected[d].Length; w++)
            {
                Assert.Equal(expected[d][w], vectors[d][w], 1e-6);
            }
        }
        // Unknown words only: a zero vector, similarity 0.
        Assert.All(embedder.Embed(["zebra giraffe"])[0], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Spearman_MatchesScipy_WithTies()
    {
        var s = Reference.GetProperty("spearman");
        double[] x = [.. s.GetProperty("x").EnumerateArray().Select(v => v.GetDouble())];
        double[] y = [.. s.GetProperty("y").EnumerateArray().Select(v => v.GetDouble())];
        Assert.Equal(s.GetProperty("rho").GetDouble(), CaptionEvaluation.Spearman(x, y), 1e-12);
        Assert.Equal([1.5, 1.5, 3], CaptionEvaluation.Ranks([2.0, 2.0, 5.0]));
        Assert.True(double.IsNaN(CaptionEvaluation.Spearman([1.0, 1, 1], [1.0, 2, 3])));
    }

    [Fact]
    public void SentenceScore_IsPerfectWhenCaptionSimilarityOrdersTheResponses()
    {
        // A "face" caption; held-out stimuli with decreasing face content and a response that follows it.
        string[] stimuli = ["face face smiling", "face man", "face house garden", "bottle glass"];
        var embedder = TfidfEmbedder.Fit(stimuli);
        var caption = embedder.Embed(["face"])[0];
        var vectors = embedder.Embed(stimuli);
        Assert.Equal(1.0, CaptionEvaluation.SentenceScore(caption, vectors, [3.0, 2.0, 0.5, 0.4]), 1e-12);
        Assert.Equal(-1.0, CaptionEvaluation.SentenceScore(caption, vectors, [0.0, 1.0, 2.0, 2.5]), 1e-12);
    }

    [Fact]
    public void Diversity_VocabularyAndDimensionsFor90Percent_MatchNumpy()
    {
        var texts = Docs.Select(d => string.Join(' ', d)).ToList();
        var diversity = CaptionEvaluation.Diversity(texts, TfidfEmbedder.Fit(texts));
        Assert.Equal(Docs.SelectMany(d => d).Distinct().Count(), diversity.VocabularySize);
        Assert.Equal(Reference.GetProperty("dims90").GetInt32(), diversity.EffectiveDimensions);
        Assert.Equal(8, diversity.Captions);
    }

    [Fact]
    public void SparseTfidf_GivesTheDenseScoresAndDiversity()
    {
        var texts = Docs.Select(d => string.Join(' ', d)).ToList();
        var embedder = TfidfEmbedder.Fit(texts);
        var dense = embedder.Embed(texts);
        double[] measured = [3, 1, 4, 1, 5, 9, 2, 6];
        foreach (var caption in new[] { "face smiling", "house roof garden", "cat", "zebra" })
        {
            var sparse = embedder.EmbedSparse(caption);
            var full = embedder.Embed([caption])[0];
            Assert.Equal(full.Length, sparse.Length);
            for (int k = 0; k < sparse.Indices.Length; k++)
            {
                Assert.Equal(full[sparse.Indices[k]], sparse.Values[k], 1e-7);
            }
            double a = CaptionEvaluation.SentenceScore(sparse, dense, measured), b = CaptionEvaluation.SentenceScore(full, dense, measured);
            Assert.True(a.Equals(b) || Math.Abs(a - b) < 1e-9, $"{caption}: sparse {a}, dense {b}");
        }
        Assert.Equal(CaptionEvaluation.Diversity(texts, (ITextEmbedder)embedder).EffectiveDimensions, CaptionEvaluation.Diversity(texts, embedder).EffectiveDimensions);
        Assert.Equal(Reference.GetProperty("dims90").GetInt32(), CaptionEvaluation.Diversity(texts, embedder).EffectiveDimensions);
    }

    [Fact]
    public void CohenKappa_MatchesScikitLearn()
    {
        var c = Reference.GetProperty("cohen");
        int[] a = [.. c.GetProperty("a").EnumerateArray().Select(v => v.GetInt32())];
        int[] b = [.. c.GetProperty("b").EnumerateArray().Select(v => v.GetInt32())];
        Assert.Equal(c.GetProperty("kappa").GetDouble(), Agreement.CohenKappa(a, b, 3), 1e-12);
        Assert.Equal(1.0, Agreement.CohenKappa([0, 1, 2], [0, 1, 2], 3), 1e-12);
        Assert.True(double.IsNaN(Agreement.CohenKappa([1, 1], [1, 1], 3)));
        Assert.Throws<ArgumentException>(() => Agreement.CohenKappa([0], [0, 1], 3));
    }

    [Fact]
    public void FleissKappa_ReproducesThePublishedWorkedExample()
    {
        // Fleiss (1971) as worked on Wikipedia: kappa = 0.210 (numpy 1.24.2: 0.20993...).
        var f = Reference.GetProperty("fleiss");
        var rows = f.GetProperty("counts").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        var counts = new int[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
        {
            for (int j = 0; j < rows[i].Length; j++)
            {
                counts[i, j] = rows[i][j];
            }
        }
        double kappa = Agreement.FleissKappa(counts);
        Assert.Equal(f.GetProperty("kappa").GetDouble(), kappa, 1e-12);
        Assert.Equal(0.210, kappa, 3);
        // Two raters: Fleiss equals Scott's pi; items with one rating are skipped; none rated twice gives NaN.
        Assert.True(double.IsNaN(Agreement.FleissKappa(new int[,] { { 1, 0 }, { 0, 1 } })));
    }
}
