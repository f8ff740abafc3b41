using System.Globalization;
using System.Text.Json;
using NeuroLab.Analysis.Glm;

namespace NeuroLab.Analysis.Tests.Glm;

/// <summary>
/// Reference values and fixtures written by <c>Reference/glm_reference.py</c> (numpy 1.24.2, scipy 1.10.1,
/// nibabel 5.0.0), read from the source tree (the test project's csproj is shared and left alone).
/// </summary>
internal static class GlmFixtures
{
    private static readonly Lazy<string> s_testProject = new(FindTestProject);
    private static readonly Lazy<JsonDocument> s_reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(s_testProject.Value, "Reference", "glm_reference.json"))));

    public static JsonElement Reference => s_reference.Value.RootElement;

    public static string FixturePath(string name) => Path.Combine(s_testProject.Value, "Fixtures", "glm", name);

    /// <summary>The reference design case with this name.</summary>
    public static JsonElement Design(string name) =>
        Reference.GetProperty("designs").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name);

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    /// <summary>A JSON matrix (list of rows; null read as NaN).</summary>
    public static double[,] Matrix(JsonElement rows)
    {
        var list = rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble()).ToArray()).ToList();
        var matrix = new double[list.Count, list[0].Length];
        for (int i = 0; i < list.Count; i++)
        {
            for (int j = 0; j < list[i].Length; j++)
            {
                matrix[i, j] = list[i][j];
            }
        }
        return matrix;
    }

    public static string[] Strings(JsonElement array) => array.EnumerateArray().Select(v => v.GetString()!).ToArray();

    public static List<TaskEvent> Events(JsonElement array) =>
        [.. array.EnumerateArray().Select(e => new TaskEvent(
            e.GetProperty("onset").GetDouble(), e.GetProperty("duration").GetDouble(), e.GetProperty("trial_type").GetString()!))];

    /// <summary>Reads a BIDS events file (tab-separated, header with onset, duration, trial_type).</summary>
    public static List<TaskEvent> ReadEventsTsv(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var header = lines[0].Split('\t').ToList();
        int onset = header.IndexOf("onset");
        int duration = header.IndexOf("duration");
        int trialType = header.IndexOf("trial_type");
        return [.. lines.Skip(1).Select(l => l.Split('\t')).Select(f => new TaskEvent(
            double.Parse(f[onset], CultureInfo.InvariantCulture), double.Parse(f[duration], CultureInfo.InvariantCulture), f[trialType]))];
    }

    /// <summary>
    /// Reads a NumPy .npy file holding little-endian float64 in C order (the only layout the fixtures use;
    /// the general reader lives in NeuroLab.Formats). Format: magic "\x93NUMPY", version, header length
    /// (2 bytes in v1, 4 in v2/v3), a Python dict literal header, then the raw data.
    /// </summary>
    public static (double[] Data, int[] Shape) ReadNpy(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || System.Text.Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException($"{path}: not a .npy file.");
        }
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int dataStart = (major == 1 ? 10 : 12) + headerLength;
        string header = System.Text.Encoding.ASCII.GetString(bytes, major == 1 ? 10 : 12, headerLength);
        if (!header.Contains("'descr': '<f8'", StringComparison.Ordinal) || !header.Contains("'fortran_order': False", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: only little-endian float64 in C order is supported; header {header}.");
        }
        int open = header.IndexOf('(', header.IndexOf("'shape'", StringComparison.Ordinal));
        int close = header.IndexOf(')', open);
        int[] shape = header[(open + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (bytes.Length - dataStart != count * sizeof(double))
        {
            throw new InvalidDataException($"{path}: shape ({string.Join(", ", shape)}) needs {count * 8} data bytes, file has {bytes.Length - dataStart}.");
        }
        var data = new double[count];
        Buffer.BlockCopy(bytes, dataStart, data, 0, bytes.Length - dataStart);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The .npy test reader assumes a little-endian machine.");
        }
        return (data, shape);
    }

    /// <summary>Element-wise |expected - actual| &lt;= tolerance (NaN matches NaN), naming the first offending index.</summary>
    public static void AssertAllClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            bool ok = double.IsNaN(expected[i]) ? double.IsNaN(actual[i]) : Math.Abs(expected[i] - actual[i]) <= tolerance;
            Assert.True(ok, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:g}).");
        }
    }

    /// <summary>Row-major flattening of a matrix, to compare with a tensor's data.</summary>
    public static double[] Flat(double[,] matrix) => matrix.Cast<double>().ToArray();

    private static string FindTestProject() => Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Analysis.Tests");
}
