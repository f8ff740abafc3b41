using NeuroLab.Analysis.Networks;

namespace NeuroLab.Compute.RunKinds.Networks;

/// <summary>
/// Parameters of a "networks" run (JSON, camelCase); every one has a default, so <c>{"kind":"networks"}</c> on a
/// dataset with region time series runs: <c>measure</c> = pearson (Fisher z of Pearson r, default) | partial (Fisher
/// z of the partial correlation from the Ledoit-Wolf covariance); <c>threshold</c> = proportional (keep the strongest
/// |z| edges to the density <c>thresholdValue</c>, default 0.1) | absolute (keep |z| &gt; <c>thresholdValue</c>,
/// default 0.5); <c>weighted</c> (edge weights |z|, default true; false = binary); <c>subjects</c> (subject ids, default
/// every region time series file); <c>groups</c> (a group per subject, default its site); <c>permutations</c> of the
/// group labels for the group difference (default 1000, 0 = none); <c>window</c>/<c>windowStep</c> = time points per
/// sliding window and between windows, used as samples when a group has a single subject (default 30 and 30).
/// </summary>
public sealed record NetworksParameters
{
    public const double DefaultDensity = 0.1;

    public const double DefaultAbsoluteZ = 0.5;

    public string Measure { get; set; } = "pearson";

    public string Threshold { get; set; } = "proportional";

    /// <summary>The density (proportional) or |z| threshold (absolute); null = the mode's default.</summary>
    public double? ThresholdValue { get; set; }

    public bool Weighted { get; set; } = true;

    public string[]? Subjects { get; set; }

    public string[]? Groups { get; set; }

    public int Permutations { get; set; } = 1000;

    public int Window { get; set; } = 30;

    public int? WindowStep { get; set; }

    /// <summary>The allowed measures (value, meaning), as the form lists them.</summary>
    public static readonly (string Value, string Meaning)[] Measures =
        [("pearson", "Pearson correlation (Fisher z)"), ("partial", "Partial correlation, Ledoit-Wolf (Fisher z)")];

    /// <summary>The allowed threshold modes (value, meaning), as the form lists them.</summary>
    public static readonly (string Value, string Meaning)[] ThresholdModes =
        [("proportional", "Proportional (density of strongest edges)"), ("absolute", "Absolute (|z| above a value)")];

    internal ThresholdMode Mode => Threshold == "absolute" ? ThresholdMode.Absolute : ThresholdMode.Proportional;

    internal double Value => ThresholdValue ?? (Mode == ThresholdMode.Absolute ? DefaultAbsoluteZ : DefaultDensity);

    internal int Step => WindowStep ?? Window;
}
