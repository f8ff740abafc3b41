using System.Globalization;
using System.Text.Json;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Features;

/// <summary>
/// Reference values and fixtures written by <c>Reference/features_reference.py</c> (numpy 1.24.2, Pillow 9.4.0) and
/// <c>tools/torchscript/make_fixture.py</c> (Debian python3-torch 1.13.1), read from the source tree
/// (the test project's csproj is shared and left alone).
/// </summary>
internal static class FeatureFixtures
{
    private static readonly Lazy<string> s_testProject = new(FindTestProject);
    private static readonly Lazy<JsonDocument> s_reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(s_testProject.Value, "Reference", "features_reference.json"))));

    public static JsonElement Reference => s_reference.Value.RootElement;

    public static string FixturePath(string name) => Path.Combine(s_testProject.Value, "Fixtures", "features", name);

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    /// <summary>Row-major flattening of a JSON list of rows.</summary>
    public static double[] FlatRows(JsonElement rows) => rows.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();

    /// <summary>A fixture .npy as a tensor of its own dtype and shape.</summary>
    public static Tensor LoadTensor(string name)
    {
        var (data, shape, isDouble) = ReadNpy(FixturePath(name));
        long[] dims = shape.Select(d => (long)d).ToArray();
        return isDouble
            ? tensor(data, dims, ScalarType.Float64)
            : tensor(data.Select(v => (float)v).ToArray(), dims, ScalarType.Float32);
    }

    /// <summary>
    /// Reads a NumPy .npy file holding little-endian float32 ('&lt;f4') or float64 ('&lt;f8') in C order, the only
    /// layouts the fixtures use. Format: magic "\x93NUMPY", version, header length (2 bytes in v1, 4 in v2/v3),
    /// a Python dict literal header, then the raw data.
    /// </summary>
    public static (double[] Data, int[] Shape, bool IsDouble) ReadNpy(string path)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The .npy test reader assumes a little-endian machine.");
        }
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || System.Text.Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException($"{path}: not a .npy file.");
        }
        int major = bytes[6];
        int headerStart = major == 1 ? 10 : 12;
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        string header = System.Text.Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        bool isDouble = header.Contains("'descr': '<f8'", StringComparison.Ordinal);
        bool isSingle = header.Contains("'descr': '<f4'", StringComparison.Ordinal);
        if (!(isDouble || isSingle) || !header.Contains("'fortran_order': False", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: only little-endian float32/float64 in C order is supported; header {header}.");
        }
        int open = header.IndexOf('(', header.IndexOf("'shape'", StringComparison.Ordinal));
        int close = header.IndexOf(')', open);
        int[] shape = header[(open + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int width = isDouble ? sizeof(double) : sizeof(float);
        int dataStart = headerStart + headerLength;
        if (bytes.Length - dataStart != count * width)
        {
            throw new InvalidDataException($"{path}: shape ({string.Join(", ", shape)}) needs {count * width} data bytes, file has {bytes.Length - dataStart}.");
        }
        var data = new double[count];
        for (long i = 0; i < count; i++)
        {
            data[i] = isDouble
                ? BitConverter.ToDouble(bytes, dataStart + (int)(i * width))
                : BitConverter.ToSingle(bytes, dataStart + (int)(i * width));
        }
        return (data, shape, isDouble);
    }

    /// <summary>The values of a tensor as doubles, row-major.</summary>
    public static double[] Values(Tensor t)
    {
        using var d = t.to_type(ScalarType.Float64).contiguous().cpu();
        return d.data<double>().ToArray();
    }

    /// <summary>Element-wise |expected - actual| &lt;= tolerance, naming the first offending index.</summary>
    public static void AssertAllClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:g}).");
        }
    }

    /// <summary>Collects progress reports synchronously (<see cref="Progress{T}"/> would post them later).</summary>
    public sealed class ProgressLog<T> : IProgress<T>
    {
        public List<T> Reports { get; } = [];

        public void Report(T value) => Reports.Add(value);
    }

    private static string FindTestProject() => Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Analysis.Tests");
}
