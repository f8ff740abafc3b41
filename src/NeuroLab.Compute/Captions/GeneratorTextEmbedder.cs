using Microsoft.Extensions.AI;
using NeuroLab.Analysis.Captions;

namespace NeuroLab.Compute.Captions;

/// <summary>
/// Caption evaluation with a configured embedding model (<see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, e.g. an
/// OpenAI-compatible embeddings endpoint) instead of TF-IDF: the texts are embedded once up front (the model is
/// remote and asynchronous), L2-normalised, and looked up by <see cref="Embed"/>.
/// </summary>
public sealed class GeneratorTextEmbedder(IEmbeddingGenerator<string, Embedding<float>> generator) : ITextEmbedder
{
    private readonly Dictionary<string, float[]> _vectors = new(StringComparer.Ordinal);

    /// <summary>Texts sent per request.</summary>
    public const int BatchSize = 64;

    /// <summary>Embeds every text not embedded yet.</summary>
    public async Task PrepareAsync(IEnumerable<string> texts, CancellationToken ct)
    {
        var missing = texts.Where(t => !_vectors.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToList();
        for (int start = 0; start < missing.Count; start += BatchSize)
        {
            var batch = missing.Skip(start).Take(BatchSize).ToList();
            var embeddings = await generator.GenerateAsync(batch, cancellationToken: ct);
            if (embeddings.Count != batch.Count)
            {
                throw new InvalidDataException($"The embedding model returned {embeddings.Count} vectors for {batch.Count} texts.");
            }
            for (int i = 0; i < batch.Count; i++)
            {
                _vectors[batch[i]] = BrainScuba.Normalize(embeddings[i].Vector.Span);
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<float[]> Embed(IReadOnlyList<string> texts) =>
        [.. texts.Select(t => _vectors.TryGetValue(t, out var v) ? v : throw new InvalidOperationException($"'{t}' was not embedded; call PrepareAsync first."))];
}
