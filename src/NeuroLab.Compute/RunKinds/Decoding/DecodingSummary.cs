using System.Globalization;

namespace NeuroLab.Compute.RunKinds.Decoding;

/// <summary>
/// The result of a decoding run (schema 1): leave-one-run-out accuracy, balanced accuracy, chance (1/classes and the
/// majority-class rate), the permutation p-value, per-class recall, the confusion matrix, and per region (regions =
/// all-masks) the accuracy, chance and p.
/// </summary>
public sealed record DecodingSummary : RunResult
{
    public override int SchemaVersion => 1;

    public string Classifier { get; init; } = string.Empty;

    /// <summary>The response set decoded (the first region when several).</summary>
    public string ResponseSet { get; init; } = string.Empty;

    public string[] Classes { get; init; } = [];

    public double Accuracy { get; init; } = double.NaN;

    public double BalancedAccuracy { get; init; } = double.NaN;

    /// <summary>1 / classes.</summary>
    public double Chance { get; init; } = double.NaN;

    /// <summary>The largest class's share of the samples.</summary>
    public double MajorityRate { get; init; } = double.NaN;

    /// <summary>Permutation p-value, (1 + #null ≥ observed) / (1 + permutations); NaN without permutations.</summary>
    public double PValue { get; init; } = double.NaN;

    public int Permutations { get; init; }

    /// <summary>Bin edges of the permutation null's histogram (21 edges over 0..1; empty without permutations).</summary>
    public double[] NullEdges { get; init; } = [];

    /// <summary>Permutations whose accuracy falls in each bin [20].</summary>
    public long[] NullCounts { get; init; } = [];

    /// <summary>Per class, the fraction of its samples decoded right.</summary>
    public double[] Recall { get; init; } = [];

    /// <summary>Counts [true class][predicted class].</summary>
    public int[][] Confusion { get; init; } = [];

    /// <summary>Accuracy on each held-out run, in run order.</summary>
    public double[] FoldAccuracies { get; init; } = [];

    /// <summary>The linear SVM's C chosen by the inner CV of each fold (empty for the other classifiers).</summary>
    public double[] ChosenC { get; init; } = [];

    public int Samples { get; init; }

    public int Groups { get; init; }

    public int Units { get; init; }

    /// <summary>One entry per region decoded (regions = all-masks); empty for a single set.</summary>
    public DecodingRoi[] Rois { get; init; } = [];

    /// <summary>Searchlight radius in voxels (0 = none).</summary>
    public int SearchlightRadius { get; init; }

    /// <summary>The highest searchlight accuracy (NaN without a searchlight).</summary>
    public double SearchlightMaxAccuracy { get; init; } = double.NaN;

    public override string Headline() => string.Create(CultureInfo.InvariantCulture,
        $"accuracy {Accuracy:P1} (chance {Chance:P1}){(double.IsFinite(PValue) ? $" · p {PValue:0.###}" : "")}");
}

/// <summary>A region's decoding: its name, voxels, accuracy, chance (1/classes) and permutation p (NaN without).</summary>
public sealed record DecodingRoi(string Name, int Voxels, double Accuracy, double Chance, double PValue);
