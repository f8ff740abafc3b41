namespace NeuroLab.Compute.RunKinds;

/// <summary>
/// The names of the run kinds NeuroLab ships: the one place they are spelled. They are stored on every run row and
/// used by API clients, so a name never changes once released.
/// </summary>
public static class RunKindNames
{
    /// <summary>Voxelwise/neuronwise ridge encoding model (per-unit CV alpha, banded ridge).</summary>
    public const string EncodingRidge = "encoding-ridge";

    /// <summary>Factorised spatial x feature neural readout trained with TorchSharp.</summary>
    public const string EncodingReadout = "encoding-readout";

    /// <summary>One ridge model per stage of a feature hierarchy: each unit's best stage and a stage-by-region table.</summary>
    public const string EncodingHierarchy = "encoding-hierarchy";

    /// <summary>Decodes seen images from responses: one ridge regression per pixel.</summary>
    public const string ReconstructionRidge = "reconstruction-ridge";

    /// <summary>Decodes seen images with a small neural network trained in TorchSharp, with live example reconstructions.</summary>
    public const string ReconstructionDecoder = "reconstruction-decoder";

    /// <summary>Decodes seen images' features (ridge per feature), then retrieves the nearest candidate image.</summary>
    public const string ReconstructionFeatures = "reconstruction-features";

    /// <summary>Decodes an embedding (and a pixel guess) and has an external generative service draw the images.</summary>
    public const string ReconstructionGenerative = "reconstruction-generative";

    /// <summary>Representational similarity analysis: brain RDMs against model RDMs, noise ceiling, bootstrap, tRSA.</summary>
    public const string Rsa = "rsa";

    /// <summary>Natural-language captions of what each well-predicted unit of an encoding-ridge run prefers.</summary>
    public const string VoxelCaptions = "voxel-captions";

    /// <summary>Functional brain networks from region time series: connectivity, graph measures and group differences.</summary>
    public const string Networks = "networks";

    /// <summary>Leave-one-run-out decoding of stimulus classes (linear SVM, correlation-NN, PCA-LDA) with a permutation test.</summary>
    public const string Decoding = "decoding";
}
