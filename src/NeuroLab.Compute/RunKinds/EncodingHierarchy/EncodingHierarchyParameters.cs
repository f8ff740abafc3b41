using NeuroLab.Compute.RunKinds.EncodingRidge;

namespace NeuroLab.Compute.RunKinds.EncodingHierarchy;

/// <summary>
/// Parameters of an "encoding-hierarchy" run (JSON, camelCase): <c>responseSetId</c>; <c>stages</c> = two or more
/// feature spaces in the order of the hierarchy (default: every stage of the built-in network when the server has
/// one, else pixels then gabor); the rest as for encoding-ridge, shared by every stage: <c>imageSize</c>,
/// <c>pcaComponents</c>, <c>featureFileId</c>/<c>featureVariable</c> (a stage "file"), <c>alphas</c>, <c>folds</c>, <c>split</c>, <c>testFraction</c>, <c>samples</c>,
/// <c>testRepeats</c>; <c>bootstrap</c> = resamples of the test stimuli for the intervals of the stage table (default 200, 0 = none). One ridge model per stage, each unit's alpha chosen by CV within the stage.
/// </summary>
public sealed record EncodingHierarchyParameters : IResponseSetParameters
{
    public Guid ResponseSetId { get; set; }

    public string[]? Stages { get; set; }

    public int? ImageSize { get; set; }

    public int PcaComponents { get; set; } = 100;

    /// <summary>Network stages: average-pool each feature map to a grid x grid (default 2).</summary>
    public int? PoolGrid { get; set; }

    /// <summary>Network stages: principal components of the pooled features, fitted on the training stimuli only.</summary>
    public int? FeaturePcaComponents { get; set; }

    /// <summary>For a stage "file": the dataset's Features file (and its variable for .mat/.npz).</summary>
    public Guid? FeatureFileId { get; set; }

    public string? FeatureVariable { get; set; }

    public double[]? Alphas { get; set; }

    public int Folds { get; set; } = 5;

    public string Split { get; set; } = "dataset";

    public double TestFraction { get; set; } = 0.2;

    public string Samples { get; set; } = "stimuli";

    public int? TestRepeats { get; set; }

    /// <summary>
    /// Resamples of the test stimuli (each with all its trials) for 95% percentile intervals of every stage's mean test
    /// r per unit group; 0 = none. Default 200.
    /// </summary>
    public int Bootstrap { get; set; } = NeuroLab.Analysis.Encoding.TestSetBootstrap.DefaultResamples;

    /// <summary>The ridge parameters of one stage (no permutation test: the hierarchy compares stages).</summary>
    internal EncodingRidgeParameters Stage(string features) => new()
    {
        ResponseSetId = ResponseSetId,
        Features = features,
        ImageSize = ImageSize,
        PcaComponents = PcaComponents,
        PoolGrid = PoolGrid,
        FeaturePcaComponents = FeaturePcaComponents,
        FeatureFileId = FeatureFileId,
        FeatureVariable = FeatureVariable,
        Alphas = Alphas,
        Folds = Folds,
        Split = Split,
        TestFraction = TestFraction,
        Samples = Samples,
        TestRepeats = TestRepeats,
        Permutations = 0,
    };
}
