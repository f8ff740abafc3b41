using System.Text.Json;
using NeuroLab.Analysis.Captions;

namespace NeuroLab.Compute.RunKinds.VoxelCaptions;

/// <summary>
/// Parameters of a "voxel-captions" run (JSON, camelCase): <c>encodingRunId</c> (a succeeded single-space
/// encoding-ridge run of the same dataset); <c>minTestR</c> (units at or above it are captioned, default 0.1);
/// <c>topN</c> (preferred stimuli per unit, default 10); <c>source</c> = measured (the unit's top training samples) |
/// predicted (the top items of an image pool scored by the encoder) | both (default both when the encoder works on
/// images, else measured); <c>poolDatasetId</c> (a dataset whose stimulus images form the pool; default the run
/// dataset's own training stimuli); <c>keywords</c> (words in a caption, default 3); <c>priorStrength</c> (the
/// Dirichlet prior's a0, default the corpus size); <c>composer</c> = statistical (default) | llm (an IChatClient the
/// server is configured with); <c>method</c> = lavca | brainscuba (with <c>poolFeatureFileId</c>, <c>temperature</c>);
/// <c>embedding</c> = minilm (default: sentence embeddings, all-MiniLM-L6-v2 or the server's configured endpoint) | tfidf;
/// <c>featureEmbedding</c> = minilm (the encoder's uploaded features are MiniLM text embeddings: filter keywords by the weights).
/// </summary>
public sealed record VoxelCaptionsParameters
{
    public Guid EncodingRunId { get; set; }

    public double MinTestR { get; set; } = 0.1;

    public int TopN { get; set; } = 10;

    public string? Source { get; set; }

    public Guid? PoolDatasetId { get; set; }

    public int Keywords { get; set; } = 3;

    public double? PriorStrength { get; set; }

    public string Composer { get; set; } = "statistical";

    /// <summary>lavca (default: preferred stimuli ranked by the encoder's predictions) or brainscuba (the unit's weight
    /// vector projected onto an embedding pool; needs an encoder on uploaded embeddings and <see cref="PoolFeatureFileId"/>).</summary>
    public string Method { get; set; } = "lavca";

    /// <summary>brainscuba: a Features file whose rows are the embeddings of the pool's stimuli (same space as the encoder's features).</summary>
    public Guid? PoolFeatureFileId { get; set; }

    /// <summary>brainscuba: softmax temperature (the paper's 150).</summary>
    public double Temperature { get; set; } = BrainScuba.DefaultTemperature;

    /// <summary>The sentence embedding of the evaluation and diversity: minilm (a Sentence-BERT model, as LaVCa evaluates;
    /// a configured embedding endpoint overrides the built-in all-MiniLM-L6-v2) or tfidf.</summary>
    public string Embedding { get; set; } = MiniLm;

    /// <summary>minilm when the encoder's uploaded features (features = file) are all-MiniLM-L6-v2 embeddings of the stimuli's
    /// texts: keywords are then kept only where their own embedding points along the unit's weights (LaVCa's filter).</summary>
    public string? FeatureEmbedding { get; set; }

    /// <summary>The value of <see cref="Embedding"/> for sentence embeddings.</summary>
    public const string MiniLm = "minilm";

    /// <summary>The value of <see cref="Embedding"/> for TF-IDF vectors over the captions' words.</summary>
    public const string Tfidf = "tfidf";

    /// <summary>Reads the stored parameters of a voxel-captions run.</summary>
    public static VoxelCaptionsParameters Parse(string json) =>
        JsonSerializer.Deserialize<VoxelCaptionsParameters>(json, RunKindJson.Parameters) ?? throw new ArgumentException("Parameters are missing.");
}
