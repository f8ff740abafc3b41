using System.Globalization;

namespace NeuroLab.Compute.RunKinds.Rsa;

/// <summary>
/// The result of an rsa run (schema 1): the brain and model RDMs compared, every model x brain x method value with
/// its bootstrap interval, each brain RDM's noise ceiling, and the best model for the first brain RDM and method.
/// </summary>
public sealed record RsaSummary : RunResult
{
    public override int SchemaVersion => 1;

    /// <summary>Conditions (stimuli) per RDM.</summary>
    public int Stimuli { get; init; }

    public RsaRdmInfo[] Brains { get; init; } = [];

    public RsaRdmInfo[] Models { get; init; } = [];

    public string[] Methods { get; init; } = [];

    /// <summary>What the bootstrap resampled (stimuli, subjects, both or none) and how often.</summary>
    public string Bootstrap { get; init; } = RsaChoices.None;

    public int Resamples { get; init; }

    public RsaComparison[] Comparisons { get; init; } = [];

    public RsaCeiling[] Ceilings { get; init; } = [];

    /// <summary>Model pairs whose difference survives FDR (q = 0.05), over all brains and methods.</summary>
    public int SignificantPairs { get; init; }

    public string BestModel { get; init; } = string.Empty;

    public override string Headline()
    {
        if (Comparisons.Length == 0)
        {
            return string.Empty;
        }
        var first = Comparisons.Where(c => c.Brain == Brains.FirstOrDefault()?.Name && c.Method == Methods.FirstOrDefault()).MaxBy(c => double.IsFinite(c.Value) ? c.Value : double.NegativeInfinity);
        var ceiling = Ceilings.FirstOrDefault(c => c.Brain == first?.Brain && c.Method == first?.Method);
        if (first is null)
        {
            return string.Empty;
        }
        var text = string.Create(CultureInfo.InvariantCulture, $"best {first.Model} {first.Method} {first.Value:0.000} vs {first.Brain}");
        return ceiling is null || !double.IsFinite(ceiling.Lower) ? text : text + string.Create(CultureInfo.InvariantCulture, $" (ceiling {ceiling.Lower:0.000}–{ceiling.Upper:0.000})");
    }
}

/// <summary>An RDM of the run: its name, the artifact holding it, where it came from and how many subjects it averages.</summary>
public sealed record RsaRdmInfo(string Name, string File, string Source, int Subjects);

/// <summary>One model RDM against one brain RDM by one method, with the bootstrap 95% interval (NaN without one).</summary>
public sealed record RsaComparison(string Model, string Brain, string Method, double Value, double CiLow, double CiHigh);

/// <summary>A brain RDM's noise ceiling by one method (NaN with one subject).</summary>
public sealed record RsaCeiling(string Brain, string Method, double Lower, double Upper);
