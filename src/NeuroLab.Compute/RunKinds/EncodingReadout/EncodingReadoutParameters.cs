namespace NeuroLab.Compute.RunKinds.EncodingReadout;

/// <summary>
/// Parameters of an "encoding-readout" run (JSON, camelCase): <c>responseSetId</c>; <c>imageSize</c>
/// (default min(64, stimulus size)); <c>cyclesPerImage</c> (the Gabor scale whose energy maps feed the
/// readout; default: the finest scale with at most 16 positions per side); <c>split</c> = dataset | random
/// (<c>testFraction</c>); <c>validationFraction</c> of the training stimuli for early stopping (default 0.2);
/// <c>maxEpochs</c> (200), <c>patience</c> (10), <c>learningRate</c> (0.005), <c>maskL1</c>, <c>featureL1</c>.
/// </summary>
public sealed record EncodingReadoutParameters : IResponseSetParameters
{
    public Guid ResponseSetId { get; set; }

    public int? ImageSize { get; set; }

    public double? CyclesPerImage { get; set; }

    public string Split { get; set; } = "dataset";

    public double TestFraction { get; set; } = 0.2;

    public double ValidationFraction { get; set; } = 0.2;

    public int MaxEpochs { get; set; } = 200;

    public int Patience { get; set; } = 10;

    public double LearningRate { get; set; } = 5e-3;

    public double MaskL1 { get; set; } = 1e-4;

    public double FeatureL1 { get; set; } = 1e-4;

}
