using NeuroLab.Compute.RunKinds.EncodingRidge;

namespace NeuroLab.Compute.RunKinds.ReconstructionRidge;

/// <summary>
/// Parameters of a "reconstruction-ridge" run (JSON, camelCase): <c>responseSetId</c> (required; every other parameter
/// has a default); <c>resolution</c> = pixels per side of the decoded images (default the stimuli's own side, at most
/// 64); <c>alphas</c> (default 13 values log-spaced 1..1e6), <c>folds</c>, <c>split</c> (dataset marks or random),
/// <c>testFraction</c>, <c>samples</c> (stimuli, or trials: single trials decoded and averaged per test image),
/// <c>testRepeats</c>. One ridge model per pixel from all units' responses, each pixel's alpha chosen by CV (R²).
/// </summary>
public sealed record ReconstructionRidgeParameters : IResponseSetParameters
{
    /// <summary>Largest resolution (pixels per side).</summary>
    public const int MaxResolution = 128;

    /// <summary>Smallest resolution: SSIM's 11 x 11 window must fit.</summary>
    public const int MinResolution = 11;

    /// <summary>Resolution when the stimuli are larger and none is given.</summary>
    public const int DefaultMaxResolution = 64;

    /// <summary>The side of the reconstruction grid every reconstruction kind uses: the one chosen, else the stimuli's shorter side up to <see cref="DefaultMaxResolution"/>.</summary>
    public static int GridSide(int? chosen, int stimulusSide) => chosen ?? Math.Min(stimulusSide, DefaultMaxResolution);

    public Guid ResponseSetId { get; set; }

    public int? Resolution { get; set; }

    public double[]? Alphas { get; set; }

    public int Folds { get; set; } = 5;

    public string Split { get; set; } = "dataset";

    public double TestFraction { get; set; } = 0.2;

    public string Samples { get; set; } = "stimuli";

    public int? TestRepeats { get; set; }

    /// <summary>The sample selection as an encoding-ridge run would make it (pixels as the "features" side; the decoder swaps them).</summary>
    internal EncodingRidgeParameters Encoding() => new()
    {
        ResponseSetId = ResponseSetId,
        Features = "pixels",
        Alphas = Alphas,
        Folds = Folds,
        Split = Split,
        TestFraction = TestFraction,
        Samples = Samples,
        TestRepeats = TestRepeats,
        Permutations = 0,
    };
}
