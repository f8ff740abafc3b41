using System.Globalization;

namespace NeuroLab.Compute.RunKinds.EncodingRidge;

/// <summary>
/// The result of an encoding-ridge run (schema 1): test scores over units, the samples it fitted, the features, the
/// cross-validation curve and, where computed, significance and noise ceiling. Banded ridge adds the bands, their
/// sizes and mean weights. Undefined statistics (no finite unit) are null in JSON and NaN here.
/// </summary>
public sealed record EncodingRidgeSummary : RunResult
{
    public override int SchemaVersion => 1;

    /// <summary>Mean test correlation over units with a finite score.</summary>
    public double MeanTestR { get; init; } = double.NaN;

    /// <summary>Upper median of the finite test correlations.</summary>
    public double MedianTestR { get; init; } = double.NaN;

    public int Units { get; init; }

    /// <summary>stimuli or trials.</summary>
    public string Samples { get; init; } = "stimuli";

    public int TrainStimuli { get; init; }

    public int TestStimuli { get; init; }

    public int? TrainRepeats { get; init; }

    public int? TestRepeats { get; init; }

    /// <summary>The features in words (space, size, dimensions).</summary>
    public string Features { get; init; } = string.Empty;

    public int FeatureCount { get; init; }

    public double[] Alphas { get; init; } = [];

    /// <summary>Mean CV score over units per alpha (banded: of each unit's best band-weight candidate).</summary>
    public double[] CvScorePerAlpha { get; init; } = [];

    /// <summary>How many units chose each alpha.</summary>
    public int[] BestAlphaCounts { get; init; } = [];

    /// <summary>Units above chance at <see cref="FdrQ"/> (null without a permutation test).</summary>
    public int? SignificantUnits { get; init; }

    public double? FdrQ { get; init; }

    public double? MeanNoiseCeilingPercent { get; init; }

    public double? MeanFractionOfCeilingPercent { get; init; }

    /// <summary>Banded ridge: the feature spaces, their sizes and each one's mean weight over units.</summary>
    public string[]? Bands { get; init; }

    public int[]? BandSizes { get; init; }

    public double[]? MeanBandWeight { get; init; }

    public override string Headline() =>
        double.IsFinite(MeanTestR) ? "mean test r " + MeanTestR.ToString("0.000", CultureInfo.InvariantCulture) : "no unit with a finite test r";
}
