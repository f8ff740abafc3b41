using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace NeuroLab.Formats.Tests.Gifti;

/// <summary>
/// Fixtures (tests/NeuroLab.Formats.Tests/Fixtures/gifti, found by walking up to NeuroLab.sln) and the
/// reference from Reference/gifti_reference.json, written by gifti_reference.py with nibabel 5.0.0.
/// </summary>
internal static class GiftiTestFiles
{
    private static readonly Lazy<string> _fixtures = new(() => Path.Combine(Support.TestFiles.RepoRoot, "tests", "NeuroLab.Formats.Tests", "Fixtures", "gifti"));
    private static readonly Lazy<JsonElement> _reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "gifti_reference.json"))).RootElement);

    public static JsonElement Reference => _reference.Value;

    public static string Fixture(string name) => Path.Combine(_fixtures.Value, name);

    /// <summary>Fixtures handed to the reader as a document's companion data files, under their own names.</summary>
    public static NeuroLab.Formats.Gifti.GiftiExternalFiles Companions(params string[] names) =>
        NeuroLab.Formats.Gifti.GiftiExternalFiles.FromFiles(names.Select(n => KeyValuePair.Create(n, Fixture(n))));

    public static IEnumerable<JsonElement> Section(string name) => Reference.GetProperty(name).EnumerateArray();

    public static JsonElement Entry(string section, string file) =>
        Section(section).Single(e => e.GetProperty("file").GetString() == file);

    /// <summary>The text of a fixture, decompressed when it is gzip.</summary>
    public static string FixtureText(string name) => Text(File.ReadAllBytes(Fixture(name)));

    public static string Text(byte[] bytes)
    {
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var reader = new StreamReader(gz);
            return reader.ReadToEnd();
        }
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    public static double PythonFloat(string text) => text switch
    {
        "nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// An element as text through the array's real CLR element type (integers exact; floats as double "R").
    /// NumericArray.GetDouble is avoided: its type switch reads signed integer arrays as unsigned.
    /// </summary>
    public static string ElementText(NumericArray array, long storedIndex) => array.Data.GetValue(storedIndex) switch
    {
        float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        var v => Convert.ToString(v, CultureInfo.InvariantCulture)!,
    };

    /// <summary>True when <paramref name="actual"/> (from <see cref="ElementText"/>) is the value Python wrote as <paramref name="expected"/>.</summary>
    public static bool SameValue(string actual, string expected)
    {
        if (actual == expected)
        {
            return true;
        }
        if (!double.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out double a))
        {
            return false;
        }
        double e = PythonFloat(expected);
        return double.IsNaN(e) ? double.IsNaN(a) : a.Equals(e) && double.IsNegative(a) == double.IsNegative(e);
    }

    /// <summary>Sum of real parts through each element's real CLR type.</summary>
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

}
