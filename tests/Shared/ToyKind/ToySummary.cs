using System.Globalization;
using NeuroLab.Compute.RunKinds;

namespace NeuroLab.Tests.Shared.ToyKind;

/// <summary>The toy kind's result: the average over units of each unit's statistic.</summary>
public sealed record ToySummary : RunResult
{
    public override int SchemaVersion => 1;

    public string Statistic { get; init; } = "mean";

    public int Units { get; init; }

    public double AverageOverUnits { get; init; } = double.NaN;

    public override string Headline() =>
        string.Create(CultureInfo.InvariantCulture, $"{Statistic} response {AverageOverUnits:0.000} over {Units} units");
}
