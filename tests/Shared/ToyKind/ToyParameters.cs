using NeuroLab.Compute.RunKinds;

namespace NeuroLab.Tests.Shared.ToyKind;

/// <summary>Parameters of the toy kind: which statistic of each unit's responses, times a scale.</summary>
public sealed record ToyParameters : IResponseSetParameters
{
    public Guid ResponseSetId { get; set; }

    /// <summary>mean or max over the stimuli.</summary>
    public string Statistic { get; set; } = "mean";

    /// <summary>Multiplies the statistic (between -100 and 100).</summary>
    public double Scale { get; set; } = 1;
}
