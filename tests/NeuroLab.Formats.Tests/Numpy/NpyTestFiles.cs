using System.Globalization;
using System.Text.Json;

namespace NeuroLab.Formats.Tests.Numpy;

/// <summary>
/// Fixtures (tests/NeuroLab.Formats.Tests/Fixtures/npy, found by walking up to NeuroLab.sln) and the
/// reference values from Reference/npy_reference.json, written by npy_reference.py with numpy 1.24.2.
/// </summary>
internal static class NpyTestFiles
{
    private static readonly Lazy<string> _fixtures = new(() => Path.Combine(Support.TestFiles.RepoRoot, "tests", "NeuroLab.Formats.Tests", "Fixtures", "npy"));
    private static readonly Lazy<JsonElement> _reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "npy_reference.json"))).RootElement);

    public static JsonElement Reference => _reference.Value;

    public static string Fixture(string name) => Path.Combine(_fixtures.Value, name);

    public static IEnumerable<JsonElement> Section(string name) => Reference.GetProperty(name).EnumerateArray();

    public static long[] Shape(JsonElement entry) => [.. entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];

    /// <summary>Parses Python's repr of a float ("nan", "inf", "-inf", "1e+300").</summary>
    public static double PythonFloat(string text) => text switch
    {
        "nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Asserts that <paramref name="array"/>'s elements in logical C order equal the reference strings exactly
    /// (integers as text, floats bit for bit through their shortest repr, complex as real/imaginary pairs).
    /// </summary>
    public static void AssertValues(NumericArray array, IReadOnlyList<string> expected, string context)
    {
        var c = array.ToCOrder();
        Assert.True(c.Data.Length == expected.Count, $"{context}: {c.Data.Length} stored values, expected {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            string actual = c.Data switch
            {
                bool[] b => b[i] ? "1" : "0",
                float[] f => Compare(f[i], expected[i]),
                double[] d => Compare(d[i], expected[i]),
                _ => Convert.ToString(c.Data.GetValue(i), CultureInfo.InvariantCulture)!,
            };
            Assert.True(actual == expected[i], $"{context}: value {i} is {actual}, expected {expected[i]}");
        }
    }

    /// <summary>
    /// Sum of the elements (real parts for complex) through each element's own CLR type. Deliberately not
    /// NumericArray.ToFloat64/GetDouble: their type switch tests uint[] before int[], and the CLR lets an
    /// int[] pass as uint[], so signed values come back as unsigned.
    /// </summary>
    public static double RealSum(NumericArray array)
    {
        int step = NumericTypes.IsComplex(array.Type) ? 2 : 1;
        double sum = 0;
        for (int i = 0; i < array.Data.Length; i += step)
        {
            sum += Convert.ToDouble(array.Data.GetValue(i), CultureInfo.InvariantCulture);
        }
        return sum;
    }

    public static string[] Strings(JsonElement list) => [.. list.EnumerateArray().Select(v => v.GetString()!)];

    private static string Compare(double actual, string expected)
    {
        double e = PythonFloat(expected);
        bool same = double.IsNaN(e) ? double.IsNaN(actual) : actual.Equals(e) && double.IsNegative(actual) == double.IsNegative(e);
        return same ? expected : actual.ToString("R", CultureInfo.InvariantCulture);
    }

}

