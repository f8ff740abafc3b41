using System.Globalization;

namespace NeuroLab.Compute.RunKinds.EncodingHierarchy;

/// <summary>
/// The result of an encoding-hierarchy run (schema 1): per stage the mean test r over all units and over each unit
/// group (the dataset's masks when its units are voxels), how many units each stage predicts best, and the stage
/// with the highest mean.
/// </summary>
public sealed record EncodingHierarchySummary : RunResult
{
    public override int SchemaVersion => 1;

    public string[] Stages { get; init; } = [];

    /// <summary>The features of each stage in words.</summary>
    public string[] StageFeatures { get; init; } = [];

    /// <summary>Mean test r over all units, per stage.</summary>
    public double[] MeanTestRPerStage { get; init; } = [];

    /// <summary>Units whose best stage is each stage.</summary>
    public int[] BestStageCounts { get; init; } = [];

    /// <summary>Unit groups ("all units", then one per mask) with their mean test r per stage.</summary>
    public StageGroup[] Groups { get; init; } = [];

    public string BestStage { get; init; } = string.Empty;

    public int Units { get; init; }

    public int TrainStimuli { get; init; }

    public int TestStimuli { get; init; }

    public override string Headline() =>
        Stages.Length == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
            $"best stage {BestStage} · mean test r {MeanTestRPerStage.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max():0.000}");
}

/// <summary>A group of units and its mean test r per stage (NaN where no unit of the group has a finite score).</summary>
public sealed record StageGroup(string Name, int Units, double[] MeanTestR)
{
    /// <summary>Per stage, the 2.5th percentile of the group's mean test r over resamples of the test stimuli; null without a bootstrap.</summary>
    public double[]? CiLow { get; init; }

    /// <summary>Per stage, the 97.5th percentile; null without a bootstrap.</summary>
    public double[]? CiHigh { get; init; }
}
