using NeuroLab.Compute.RunKinds.Reconstruction;

namespace NeuroLab.Compute.RunKinds.ReconstructionFeatures;

/// <summary>The result of a reconstruction-features run (schema 1): the scores over the test images, the retrieval and what was fitted.</summary>
public sealed record ReconstructionFeaturesSummary : RunResult, IReconstructionResult
{
    public override int SchemaVersion => 1;

    public ReconstructionScores Scores { get; init; } = new();

    /// <summary>The feature space decoded.</summary>
    public string Features { get; init; } = "";

    /// <summary>The feature space's description (features, fitting).</summary>
    public string FeatureDescription { get; init; } = "";

    /// <summary>Features per image.</summary>
    public int FeatureCount { get; init; }

    /// <summary>"test" or "dataset".</summary>
    public string Pool { get; init; } = "test";

    /// <summary>Distractor images from the pool dataset (0 for pool = test).</summary>
    public int PoolImages { get; init; }

    /// <summary>Median over features of the test R² of the predicted (z-scored) features; NaN where undefined.</summary>
    public double MedianFeatureTestR2 { get; init; }

    /// <summary>Mean over features of the test Pearson r of the predicted features.</summary>
    public double MeanFeatureTestR { get; init; }

    /// <summary>Units (voxels, neurons) the decoder reads.</summary>
    public int Units { get; init; }

    public int TrainSamples { get; init; }

    public int TestSamples { get; init; }

    /// <summary>Median over features of the alpha chosen by cross-validation.</summary>
    public double MedianAlpha { get; init; }

    public override string Headline() => Scores.Headline();
}
