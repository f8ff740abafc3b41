using System.Globalization;

namespace NeuroLab.Compute.RunKinds.EncodingReadout;

/// <summary>The result of an encoding-readout run (schema 1): test scores, the split, training length and its curve.</summary>
public sealed record EncodingReadoutSummary : RunResult
{
    public override int SchemaVersion => 1;

    public double MeanTestR { get; init; } = double.NaN;

    public int Units { get; init; }

    public int TrainStimuli { get; init; }

    public int ValidationStimuli { get; init; }

    public int TestStimuli { get; init; }

    public int Epochs { get; init; }

    public int BestEpoch { get; init; }

    public double BestValidationMeanR { get; init; } = double.NaN;

    public bool StoppedEarly { get; init; }

    /// <summary>Validation mean r per epoch, for pages opened after training when the live events are gone.</summary>
    public TrainingCurve? TrainingCurve { get; init; }

    /// <summary>The features in words.</summary>
    public string Features { get; init; } = string.Empty;

    public override string Headline() =>
        double.IsFinite(MeanTestR) ? "mean test r " + MeanTestR.ToString("0.000", CultureInfo.InvariantCulture) : "no unit with a finite test r";
}

/// <summary>A training curve: validation mean r per epoch (null where undefined).</summary>
public sealed record TrainingCurve(int[] Epochs, double[] ValidationMeanR);
