using System.Text.Json;
using NeuroLab.Analysis.Tests.Glm;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Encoding;

/// <summary>
/// Reference values written by <c>Reference/ridge_reference.py</c> (numpy 1.24.2 closed forms; scikit-learn is
/// not installed on Debian's Python here), read from the source tree, and the shared real data.
/// </summary>
internal static class RidgeFixtures
{
    private static readonly Lazy<string> s_repository = new(FindRepository);
    private static readonly Lazy<JsonDocument> s_reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(s_repository.Value, "tests", "NeuroLab.Analysis.Tests", "Reference", "ridge_reference.json"))));

    public static JsonElement Reference => s_reference.Value.RootElement;

    public static JsonElement RidgeCase(string name) =>
        Reference.GetProperty("ridge").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetDouble())];

    public static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetInt32())];

    /// <summary>A JSON list of rows as a float64 tensor.</summary>
    public static Tensor Matrix(JsonElement rows)
    {
        var list = rows.EnumerateArray().Select(Doubles).ToList();
        return tensor(list.SelectMany(r => r).ToArray(), [list.Count, list[0].Length], ScalarType.Float64);
    }

    /// <summary>A JSON list of rows as a row-major array.</summary>
    public static double[,] Array2(JsonElement rows)
    {
        var list = rows.EnumerateArray().Select(Doubles).ToList();
        var a = new double[list.Count, list[0].Length];
        for (int i = 0; i < list.Count; i++)
        {
            for (int j = 0; j < list[i].Length; j++)
            {
                a[i, j] = list[i][j];
            }
        }
        return a;
    }

    /// <summary>A float64 .npy file under the shared data folder (<c>../shared/data</c> beside the repository, or <c>$NEUROLAB_SHARED_DATA</c>).</summary>
    public static Tensor SharedNpy(string relative)
    {
        var configured = Environment.GetEnvironmentVariable("NEUROLAB_SHARED_DATA");
        var root = string.IsNullOrEmpty(configured) ? Path.Combine(Directory.GetParent(s_repository.Value)!.FullName, "shared", "data") : configured;
        var (data, shape) = GlmFixtures.ReadNpy(Path.Combine(root, relative));
        return tensor(data, [.. shape.Select(s => (long)s)], ScalarType.Float64);
    }

    /// <summary>|expected - actual| &lt;= tolerance x scale for every element, naming the first offender.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var a = actual.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        AssertCloseValues(e, a, tolerance, what);
    }

    public static void AssertCloseValues(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:g}).");
        }
    }

    /// <summary>A progress sink that records reports synchronously (Progress&lt;T&gt; posts them later).</summary>
    public sealed class Recorder<T> : IProgress<T>
    {
        private readonly Action<T>? _onReport;

        public Recorder(Action<T>? onReport = null)
        {
            _onReport = onReport;
        }

        public List<T> Reports { get; } = [];

        public void Report(T value)
        {
            Reports.Add(value);
            _onReport?.Invoke(value);
        }
    }

    private static string FindRepository() => SharedData.RepositoryRoot;
}
