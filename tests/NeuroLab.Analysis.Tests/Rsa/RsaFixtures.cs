using System.Text.Json;
using NeuroLab.Analysis.Rsa;
using NeuroLab.Formats.Matlab;

namespace NeuroLab.Analysis.Tests.Rsa;

/// <summary>
/// Reference values written by <c>Reference/rsa_reference.py</c> (numpy 1.24.2, scipy 1.10.1; tau-a by brute force
/// over pairs) read from the source tree, and the k92 RDMs read from <c>../shared/data/k92</c> with MatReader.
/// </summary>
internal static class RsaFixtures
{
    private static readonly Lazy<JsonDocument> s_reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Analysis.Tests", "Reference", "rsa_reference.json"))));

    private static readonly Lazy<(double[][] Subjects, double[][] Models, string[] Names)> s_k92 = new(LoadK92);

    public static JsonElement Reference => s_reference.Value.RootElement;

    public static double[][] K92Subjects => s_k92.Value.Subjects;

    public static double[][] K92Models => s_k92.Value.Models;

    public static string[] K92ModelNames => s_k92.Value.Names;

    /// <summary>A JSON array of numbers (null = NaN).</summary>
    public static double[] Doubles(JsonElement array) =>
        [.. array.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble())];

    public static float[] Floats(JsonElement array) => [.. Doubles(array).Select(v => (float)v)];

    public static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetInt32())];

    public static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i]))
            {
                Assert.True(double.IsNaN(actual[i]), $"entry {i}: expected NaN, got {actual[i]}");
            }
            else
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"entry {i}: expected {expected[i]}, got {actual[i]} (tolerance {tolerance})");
            }
        }
    }

    /// <summary>The 4 subjects' hIT RDMs (sessions 1 and 2 averaged in float64) and the 8 model RDMs, condensed.</summary>
    private static (double[][], double[][], string[]) LoadK92()
    {
        var brain = Assert.IsType<MatStruct>(MatReader.Read(SharedData.Path("k92/92_brainRDMs.mat"))["RDMs"]);
        var subjects = new double[4][];
        for (int s = 0; s < 4; s++)
        {
            // Struct array [1, 4, 2] in column-major order: element s is session 1, s + 4 session 2.
            var a = Square(brain.Get("RDM", s));
            var b = Square(brain.Get("RDM", s + 4));
            subjects[s] = Rdm.Condense([.. a.Zip(b, (x, y) => (x + y) / 2)], 92);
        }
        var models = Assert.IsType<MatStruct>(MatReader.Read(SharedData.Path("k92/92_modelRDMs.mat"))["Models"]);
        var rdms = Enumerable.Range(0, models.Elements.Count).Select(i => Rdm.Condense(Square(models.Get("RDM", i)), 92)).ToArray();
        var names = Enumerable.Range(0, models.Elements.Count).Select(i => models.Get("name", i).ToString()!).ToArray();
        return (subjects, rdms, names);
    }

    private static double[] Square(NeuroLab.Formats.Matlab.MatValue value)
    {
        var array = Assert.IsType<MatNumeric>(value).Array;
        int n = (int)array.Shape[0];
        var square = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                square[(i * n) + j] = array[i, j];
            }
        }
        return square;
    }
}
