using NeuroLab.Compute.RunKinds.EncodingRidge;

namespace NeuroLab.Compute.RunKinds.ReconstructionGenerative;

/// <summary>
/// Parameters of a "reconstruction-generative" run (JSON, camelCase): <c>responseSetId</c> (required; every other parameter
/// has a default); <c>features</c> = the embedding space decoded and sent to the generator (any registered feature space;
/// default <c>resnet18:pool</c>); <c>imageSize</c> as for encoding-ridge; <c>lowLevel</c> = also decode the pixels (ridge per
/// pixel, as reconstruction-ridge) and send that guess with each embedding (default true); <c>size</c> = pixels per side of
/// the low-level guess and of the grid the returned images are scored on (default the stimuli's side, at most 64);
/// <c>alphas</c>, <c>folds</c>, <c>split</c>, <c>testFraction</c>, <c>samples</c>, <c>testRepeats</c> as for
/// reconstruction-ridge. The generator service is the administrator's (<see cref="GeneratorOptions"/>), never a parameter.
/// </summary>
public sealed record ReconstructionGenerativeParameters : IResponseSetParameters
{
    /// <summary>The embedding space when none is given.</summary>
    public const string DefaultFeatures = "resnet18:pool";

    public Guid ResponseSetId { get; set; }

    public string Features { get; set; } = DefaultFeatures;

    public int? ImageSize { get; set; }

    public bool LowLevel { get; set; } = true;

    public int? Size { get; set; }

    public double[]? Alphas { get; set; }

    public int Folds { get; set; } = 5;

    public string Split { get; set; } = "dataset";

    public double TestFraction { get; set; } = 0.2;

    public string Samples { get; set; } = "stimuli";

    public int? TestRepeats { get; set; }

    /// <summary>The sample selection and feature space as an encoding-ridge run takes them (the decoder swaps the sides).</summary>
    internal EncodingRidgeParameters Encoding(string features) => new()
    {
        ResponseSetId = ResponseSetId,
        Features = features,
        ImageSize = ImageSize,
        Alphas = Alphas,
        Folds = Folds,
        Split = Split,
        TestFraction = TestFraction,
        Samples = Samples,
        TestRepeats = TestRepeats,
        Permutations = 0,
    };
}
