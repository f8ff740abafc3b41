using System.ComponentModel;
using NeuroLab.Compute.RunKinds.EncodingRidge;

namespace NeuroLab.Compute.RunKinds.ReconstructionDecoder;

/// <summary>
/// Parameters of a "reconstruction-decoder" run (JSON, camelCase): <c>responseSetId</c> (required); <c>resolution</c>
/// (default the stimuli's side, at most 64); the network: <c>hidden</c> units of one ReLU layer (0 = linear; default
/// 512), <c>dropout</c> 0.2, <c>learningRate</c> 1e-3, <c>weightPenalty</c> 1e-2, <c>batchSize</c> 16; training:
/// <c>maxEpochs</c> 300, <c>patience</c> 30 (early stopping on the validation loss), <c>validationFraction</c> 0.1 of the
/// training stimuli (seeded), <c>examples</c> = validation images shown live (default 8), <c>exampleEvery</c> epochs
/// (default 5); the split as encoding-ridge (<c>split</c>, <c>testFraction</c>). Ridge start: <c>initFromRidge</c> adds
/// a linear skip path set to the per-pixel ridge solution on the fitting stimuli (alpha per pixel by CV over
/// <c>alphas</c> with <c>folds</c> folds, as reconstruction-ridge), the hidden path starting at zero. Feature loss:
/// <c>featureLoss</c> (none, resnet18:stem, resnet18:layer1, resnet18:layer2; default resnet18:layer1 when the server has
/// the network, else none) adds <c>featureLossWeight</c> (default 0.01) x the MSE of that ResNet-18 stage's features of
/// decoded and true images, fed to the network at <c>featureLossSize</c> pixels.
/// </summary>
public sealed record ReconstructionDecoderParameters : IResponseSetParameters
{
    public Guid ResponseSetId { get; set; }

    public int? Resolution { get; set; }

    public int Hidden { get; set; } = 512;

    public double Dropout { get; set; } = 0.2;

    public double LearningRate { get; set; } = 1e-3;

    public double WeightPenalty { get; set; } = 1e-2;

    public int BatchSize { get; set; } = 16;

    public int MaxEpochs { get; set; } = 300;

    public int Patience { get; set; } = 30;

    public double ValidationFraction { get; set; } = 0.1;

    public int Examples { get; set; } = 8;

    public int ExampleEvery { get; set; } = 5;

    public string Split { get; set; } = "dataset";

    [Description("A linear skip path starts at per-pixel ridge (fitting stimuli only); the hidden path starts at zero.")]
    public bool InitFromRidge { get; set; } = DefaultInitFromRidge;

    [Description("Ridge start: alpha grid (default 13 values 1..1e6), one alpha per pixel by CV R².")]
    public double[]? Alphas { get; set; }

    [Description("Ridge start: contiguous CV folds over the fitting stimuli.")]
    public int Folds { get; set; } = 5;

    [Description("none, resnet18:stem, resnet18:layer1 or resnet18:layer2 (ImageNet ResNet-18 features of decoded vs true images); default layer1 when the server has the network.")]
    public string? FeatureLoss { get; set; }

    [Description("Weight of the feature MSE added to the pixel MSE.")]
    public double FeatureLossWeight { get; set; } = DefaultFeatureLossWeight;

    [Description("Image side fed to the network (32..224; smaller is cheaper).")]
    public int FeatureLossSize { get; set; } = 64;

    /// <summary>The default of <see cref="InitFromRidge"/> (measured on vangerven-digits, see docs/api/run-kinds.md).</summary>
    public const bool DefaultInitFromRidge = false;

    /// <summary>The default of <see cref="FeatureLossWeight"/>.</summary>
    public const double DefaultFeatureLossWeight = 0.01;

    /// <summary>The feature loss when none is named and the server has the network (measured on vangerven-digits, see docs/api/run-kinds.md).</summary>
    public const string DefaultNetworkFeatureLoss = "resnet18:layer1";

    /// <summary>The value of <see cref="FeatureLoss"/> without a feature term.</summary>
    public const string NoFeatureLoss = "none";

    /// <summary>The ResNet-18 stages a feature loss may use (the early ones: cheap, and where pixel layout still matters).</summary>
    public static IReadOnlyList<string> FeatureLossStages { get; } = ["stem", "layer1", "layer2"];

    public double TestFraction { get; set; } = 0.2;

    /// <summary>The sample selection of an encoding-ridge run (one sample per stimulus).</summary>
    internal EncodingRidgeParameters Encoding() => new()
    {
        ResponseSetId = ResponseSetId,
        Features = "pixels",
        Split = Split,
        TestFraction = TestFraction,
        Samples = "stimuli",
        Folds = 2,
        Permutations = 0,
    };
}
