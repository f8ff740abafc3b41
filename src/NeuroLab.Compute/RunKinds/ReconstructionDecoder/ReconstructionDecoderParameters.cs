using NeuroLab.Compute.RunKinds.EncodingRidge;

namespace NeuroLab.Compute.RunKinds.ReconstructionDecoder;

/// <summary>
/// Parameters of a "reconstruction-decoder" run (JSON, camelCase): <c>responseSetId</c> (required); <c>resolution</c>
/// (default the stimuli's side, at most 64); the network: <c>hidden</c> units of one ReLU layer (0 = linear; default
/// 512), <c>dropout</c> 0.2, <c>learningRate</c> 1e-3, <c>weightPenalty</c> 1e-2, <c>batchSize</c> 16; training:
/// <c>maxEpochs</c> 300, <c>patience</c> 30 (early stopping on the validation loss), <c>validationFraction</c> 0.1 of the
/// training stimuli (seeded), <c>examples</c> = validation images shown live (default 8), <c>exampleEvery</c> epochs
/// (default 5); the split as encoding-ridge (<c>split</c>, <c>testFraction</c>).
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
