using System.ComponentModel;
using NeuroLab.Compute.RunKinds;

namespace NeuroLab.Tests.Shared.ToyKind;

/// <summary>Parameters of the toy kind: which statistic of each unit's responses, times a scale.</summary>
public sealed record ToyParameters : IResponseSetParameters
{
    public Guid ResponseSetId { get; set; }

    /// <summary>mean or max over the stimuli.</summary>
    [Description("mean or max over the stimuli")]
    public string Statistic { get; set; } = "mean";

    /// <summary>Multiplies the statistic (between -100 and 100).</summary>
    [Description("Multiplies the statistic (between -100 and 100)")]
    public double Scale { get; set; } = 1;
}
