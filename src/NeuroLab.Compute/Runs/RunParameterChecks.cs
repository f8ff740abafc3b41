using System.Globalization;

namespace NeuroLab.Compute.Runs;

/// <summary>
/// Range checks shared by the run kinds' validation. Every user-supplied count gets an explicit upper bound, so
/// arithmetic on it later (folds x 2, permutations x units, sizes squared) cannot overflow <c>int</c> and slip past
/// a check; every real number must be finite (NaN fails every comparison, so <c>x &lt;= 0 || x &gt;= 1</c> would let
/// it through). Messages name the JSON parameter and its allowed range.
/// </summary>
public static class RunParameterChecks
{
    /// <summary>An integer in [min, max].</summary>
    public static void InRange(List<string> problems, string name, long value, long min, long max)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (value < min || value > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min:N0} and {max:N0} (got {value:N0})."));
        }
    }

    /// <summary>An optional integer in [min, max] when given.</summary>
    public static void InRange(List<string> problems, string name, long? value, long min, long max)
    {
        if (value is { } v)
        {
            InRange(problems, name, v, min, max);
        }
    }

    /// <summary>A product of two counts (the work they multiply into) at most <paramref name="max"/>, computed without overflow.</summary>
    public static void ProductAtMost(List<string> problems, string what, long a, long b, long max, string advice)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (a > 0 && b > 0 && (a > max || b > max || a * b > max))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{what} must be at most {max:N0} (got {a:N0} x {b:N0}); {advice}"));
        }
    }

    /// <summary>A finite real strictly between the bounds.</summary>
    public static void Between(List<string> problems, string name, double value, double lowerExclusive, double upperExclusive)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (!(double.IsFinite(value) && value > lowerExclusive && value < upperExclusive))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be a number between {lowerExclusive} and {upperExclusive} (got {Describe(value)})."));
        }
    }

    /// <summary>A finite positive real.</summary>
    public static void Positive(List<string> problems, string name, double value)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (!(double.IsFinite(value) && value > 0))
        {
            problems.Add($"{name} must be a finite positive number (got {Describe(value)}).");
        }
    }

    /// <summary>A finite real that is zero or more.</summary>
    public static void NonNegative(List<string> problems, string name, double value)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (!(double.IsFinite(value) && value >= 0))
        {
            problems.Add($"{name} must be a finite number of at least 0 (got {Describe(value)}).");
        }
    }

    private static string Describe(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
