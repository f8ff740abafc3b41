using NeuroLab.Compute.RunKinds.Reconstruction;

namespace NeuroLab.Compute.RunKinds.ReconstructionRidge;

/// <summary>The result of a reconstruction-ridge run (schema 1): the scores over the test images and what was fitted.</summary>
public sealed record ReconstructionRidgeSummary : RunResult, IReconstructionResult
{
    public override int SchemaVersion => 1;

    public ReconstructionScores Scores { get; init; } = new();

    /// <summary>Pixels per side of the decoded images.</summary>
    public int Resolution { get; init; }

    /// <summary>Units (voxels, neurons) the decoder reads.</summary>
    public int Units { get; init; }

    public int TrainSamples { get; init; }

    public int TestSamples { get; init; }

    /// <summary>Median over pixels of the alpha chosen by cross-validation.</summary>
    public double MedianAlpha { get; init; }

    public override string Headline() => Scores.Headline();
}
