using System.Globalization;

namespace NeuroLab.Compute.RunKinds;

/// <summary>
/// The problems a kind's validation finds. Problems with the parameters' form — an unknown parameter, a value
/// outside its allowed set (feature space, split, method) — are marked, and the API answers them with 400 listing
/// the allowed values; problems with the data or ranges (too few stimuli for the folds) answer 422.
/// </summary>
public sealed class RunProblems : List<string>
{
    /// <summary>Whether any problem is an unknown name or value (400).</summary>
    public bool HasUnknownValues { get; private set; }

    /// <summary>Adds a problem about an unknown name or value.</summary>
    public void AddUnknown(string message)
    {
        Add(message);
        HasUnknownValues = true;
    }

    /// <summary>Adds problems about unknown names or values.</summary>
    public void AddUnknown(IEnumerable<string> messages)
    {
        foreach (var m in messages)
        {
            AddUnknown(m);
        }
    }

    /// <summary>
    /// Checks that <paramref name="value"/> is one of <paramref name="allowed"/> (value, meaning); otherwise "Unknown
    /// split 'x'. Use dataset (...) or random (...)."
    /// </summary>
    public void OneOf(string parameter, string? value, params (string Value, string Meaning)[] allowed)
    {
        if (allowed.Any(a => a.Value == value))
        {
            return;
        }
        var options = allowed.Select(a => a.Meaning.Length > 0 ? $"{a.Value} ({a.Meaning})" : a.Value).ToList();
        var list = options.Count == 1 ? options[0] : string.Join(", ", options.Take(options.Count - 1)) + " or " + options[^1];
        AddUnknown(string.Create(CultureInfo.InvariantCulture, $"Unknown {parameter} '{value}'. Use {list}."));
    }

    /// <summary>Adds the problems of a validation this one delegates to (renamed), keeping whether any was an unknown value.</summary>
    public void Include(RunProblems other, Func<string, string>? rename = null)
    {
        ArgumentNullException.ThrowIfNull(other);
        AddRange(rename is null ? other : other.Select(rename));
        HasUnknownValues |= other.HasUnknownValues;
    }

    /// <summary>The same problems, each once, in order.</summary>
    public RunProblems WithoutRepeats()
    {
        var result = new RunProblems { HasUnknownValues = HasUnknownValues };
        result.AddRange(this.Distinct(StringComparer.Ordinal));
        return result;
    }
}
