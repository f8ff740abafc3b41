using NeuroLab.Compute.RunKinds.Reconstruction;

namespace NeuroLab.Compute.RunKinds.ReconstructionDecoder;

/// <summary>The result of a reconstruction-decoder run (schema 1): the test scores and how training went.</summary>
public sealed record ReconstructionDecoderSummary : RunResult, IReconstructionResult
{
    public override int SchemaVersion => 1;

    public ReconstructionScores Scores { get; init; } = new();

    public int Resolution { get; init; }

    public int Units { get; init; }

    public int TrainStimuli { get; init; }

    public int ValidationStimuli { get; init; }

    public int Epochs { get; init; }

    public int BestEpoch { get; init; }

    public double BestValidationLoss { get; init; }

    public bool StoppedEarly { get; init; }

    /// <summary>Median over pixels of the ridge start's alpha; null without a ridge start.</summary>
    public double? RidgeStartMedianAlpha { get; init; }

    /// <summary>The feature loss the run trained with ("none" or a ResNet-18 stage), as resolved when it ran (a run that named none gets the server's default).</summary>
    public string FeatureLoss { get; init; } = "none";

    public override string Headline() => Scores.Headline();
}
