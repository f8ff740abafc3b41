using NeuroLab.Compute.RunKinds.EncodingRidge;

namespace NeuroLab.Compute.RunKinds.ReconstructionFeatures;

/// <summary>
/// Parameters of a "reconstruction-features" run (JSON, camelCase): <c>responseSetId</c> (required; every other
/// parameter has a default); <c>features</c> = the feature space decoded (any registered space: gabor, pca, pixels,
/// <c>resnet18:*</c>, torchscript/onnx/file with their parameters as encoding-ridge takes them; default
/// <c>resnet18:layer2</c> when the server has the network, else gabor); <c>imageSize</c>, <c>pcaComponents</c>,
/// <c>poolGrid</c>, <c>featurePcaComponents</c>, <c>featureFileId</c>/<c>featureVariable</c>, <c>modelFileId</c>,
/// <c>layer</c>, <c>onnxOutput</c>, <c>inputChannels</c>/<c>inputMean</c>/<c>inputStd</c> as for encoding-ridge;
/// <c>pool</c> = test (the test images are the candidates; default) | dataset (the test images plus every stimulus
/// image of <c>poolDatasetId</c>, another dataset of the workspace, as distractors; giving <c>poolDatasetId</c> alone
/// implies it); <c>resolution</c> = pixels per side of the reconstructions (as reconstruction-ridge);
/// <c>alphas</c>, <c>folds</c>, <c>split</c>, <c>testFraction</c>, <c>samples</c>, <c>testRepeats</c> as for
/// reconstruction-ridge. One ridge model per feature from all units' responses (alpha by CV R²), then retrieval.
/// </summary>
public sealed record ReconstructionFeaturesParameters : IResponseSetParameters
{
    /// <summary>The feature space when none is given and the server has the network.</summary>
    public const string DefaultNetworkFeatures = "resnet18:layer2";

    /// <summary>The feature space when none is given and the server has no network.</summary>
    public const string FallbackFeatures = "gabor";

    public Guid ResponseSetId { get; set; }

    public string? Features { get; set; }

    public string? Pool { get; set; }

    public Guid? PoolDatasetId { get; set; }

    public int? Resolution { get; set; }

    public int? ImageSize { get; set; }

    public int PcaComponents { get; set; } = 100;

    public int? PoolGrid { get; set; }

    public int? FeaturePcaComponents { get; set; }

    public Guid? FeatureFileId { get; set; }

    public string? FeatureVariable { get; set; }

    public Guid? ModelFileId { get; set; }

    public int Layer { get; set; }

    public string? OnnxOutput { get; set; }

    public int? InputChannels { get; set; }

    public double[]? InputMean { get; set; }

    public double[]? InputStd { get; set; }

    public double[]? Alphas { get; set; }

    public int Folds { get; set; } = 5;

    public string Split { get; set; } = "dataset";

    public double TestFraction { get; set; } = 0.2;

    public string Samples { get; set; } = "stimuli";

    public int? TestRepeats { get; set; }

    /// <summary>The candidate pool: "dataset" when a pool dataset is named and no pool is given, else the pool given (default "test").</summary>
    public string EffectivePool => Pool ?? (PoolDatasetId is null ? "test" : "dataset");

    /// <summary>The sample selection and feature space as an encoding-ridge run would take them (the decoder swaps the sides).</summary>
    internal EncodingRidgeParameters Encoding(string features) => new()
    {
        ResponseSetId = ResponseSetId,
        Features = features,
        ImageSize = ImageSize,
        PcaComponents = PcaComponents,
        PoolGrid = PoolGrid,
        FeaturePcaComponents = FeaturePcaComponents,
        FeatureFileId = FeatureFileId,
        FeatureVariable = FeatureVariable,
        ModelFileId = ModelFileId,
        Layer = Layer,
        OnnxOutput = OnnxOutput,
        InputChannels = InputChannels,
        InputMean = InputMean,
        InputStd = InputStd,
        Alphas = Alphas,
        Folds = Folds,
        Split = Split,
        TestFraction = TestFraction,
        Samples = Samples,
        TestRepeats = TestRepeats,
        Permutations = 0,
    };
}
