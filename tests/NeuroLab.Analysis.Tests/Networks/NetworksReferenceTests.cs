using System.Text.Json;
using NeuroLab.Analysis.Networks;
using NeuroLab.Analysis.Tests.Encoding;
using NeuroLab.Formats.Tabular;

namespace NeuroLab.Analysis.Tests.Networks;

/// <summary>
/// Checks against <c>Reference/networks_reference.py</c>: numpy 1.24.2 (corrcoef, arctanh), scikit-learn 1.2.1
/// (LedoitWolf), networkx 2.8.8 (degree, clustering, triangles, global_efficiency, community.modularity on the
/// leading-eigenvector partition), on a synthetic 80 x 12 series and the real ABIDE CC200 subject Pitt_0050003.
/// Tolerances: 1e-9 for connectivity and measures computed in double precision from the same input.
/// </summary>
public sealed class NetworksReferenceTests
{
    private const double Tolerance = 1e-9;

    private static readonly Lazy<JsonElement> s_reference = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository(), "tests", "NeuroLab.Analysis.Tests", "Reference", "networks_reference.json"))).RootElement);

    private static JsonElement Case(string name) => s_reference.Value.GetProperty(name);

    [Fact]
    public void Connectivity_SyntheticSeries_MatchesNumpyAndScikitLearn()
    {
        var c = Case("synthetic");
        var series = RidgeFixtures.Array2(c.GetProperty("series"));
        AssertMatrix(RidgeFixtures.Array2(c.GetProperty("pearsonR")), FunctionalConnectivity.Pearson(series), "pearson r");
        AssertMatrix(RidgeFixtures.Array2(c.GetProperty("fisherZ")), FunctionalConnectivity.FisherZ(FunctionalConnectivity.Pearson(series)), "fisher z");
        Assert.Equal(c.GetProperty("shrinkage").GetDouble(), FunctionalConnectivity.LedoitWolf(series).Shrinkage, Tolerance);
        AssertMatrix(RidgeFixtures.Array2(c.GetProperty("partialR")), FunctionalConnectivity.PartialCorrelation(series), "partial r");
    }

    [Theory]
    [InlineData("synthetic")]
    [InlineData("pitt")]
    public void GraphMeasures_ThresholdedNetwork_MatchNetworkx(string name)
    {
        var c = Case(name);
        var series = name == "pitt" ? Pitt() : RidgeFixtures.Array2(c.GetProperty("series"));
        double density = c.GetProperty("density").GetDouble();
        var r = FunctionalConnectivity.Pearson(series);
        RidgeFixtures.AssertCloseValues(RidgeFixtures.Doubles(c.GetProperty("pearsonRFirstRow")), Row(r, 0), Tolerance, "pearson r row 0");
        var partial = FunctionalConnectivity.PartialCorrelation(series);
        RidgeFixtures.AssertCloseValues(RidgeFixtures.Doubles(c.GetProperty("partialRFirstRow")), Row(partial, 0), 1e-8, "partial r row 0");
        var z = FunctionalConnectivity.FisherZ(r);
        AssertNetwork(c.GetProperty("weighted"), NetworkThreshold.Apply(z, ThresholdMode.Proportional, density, weighted: true), weighted: true);
        AssertNetwork(c.GetProperty("binary"), NetworkThreshold.Apply(z, ThresholdMode.Proportional, density, weighted: false), weighted: false);
        AssertNetwork(c.GetProperty("partialWeighted"), NetworkThreshold.Apply(FunctionalConnectivity.FisherZ(partial), ThresholdMode.Proportional, density, weighted: true), weighted: true);
    }

    [Fact]
    public void GroupComparison_SlidingWindows_MatchesNumpyPermutations()
    {
        var c = Case("syntheticComparison");
        var series = RidgeFixtures.Array2(Case("synthetic").GetProperty("series"));
        int window = c.GetProperty("window").GetInt32(), step = c.GetProperty("step").GetInt32();
        var a = FunctionalConnectivity.SlidingWindows(Rows(series, 0, 40), window, step).Select(ConnectivityGroupComparison.UpperTriangle).ToList();
        var b = FunctionalConnectivity.SlidingWindows(Rows(series, 40, 80), window, step).Select(ConnectivityGroupComparison.UpperTriangle).ToList();
        var result = ConnectivityGroupComparison.Compare(a, b, c.GetProperty("permutations").GetInt32(), c.GetProperty("seed").GetUInt64());
        RidgeFixtures.AssertCloseValues(RidgeFixtures.Doubles(c.GetProperty("difference")), result.Difference, Tolerance, "difference");
        RidgeFixtures.AssertCloseValues(RidgeFixtures.Doubles(c.GetProperty("p")), result.P, 1e-12, "p");
        RidgeFixtures.AssertCloseValues(RidgeFixtures.Doubles(c.GetProperty("pMax")), result.PMax, 1e-12, "p max");
    }

    [Fact]
    public void Threshold_Absolute_KeepsEdgesAboveValue()
    {
        var z = new double[,] { { 0, 0.5, -0.9 }, { 0.5, 0, 0.1 }, { -0.9, 0.1, 0 } };
        var a = NetworkThreshold.Apply(z, ThresholdMode.Absolute, 0.4, weighted: true);
        Assert.Equal(0.5, a[0, 1]);
        Assert.Equal(0.9, a[2, 0]);
        Assert.Equal(0, a[1, 2]);
        Assert.Equal(2 / 3.0, NetworkThreshold.Density(a), 12);
    }

    private static void AssertNetwork(JsonElement expected, double[,] adjacency, bool weighted)
    {
        var m = GraphMeasures.Compute(adjacency, weighted);
        Assert.Equal(RidgeFixtures.Ints(expected.GetProperty("degree")), m.Degree);
        Assert.Equal(RidgeFixtures.Ints(expected.GetProperty("triangles")), m.Triangles.Select(t => (int)t).ToArray());
        Assert.Equal(expected.GetProperty("triangleCount").GetInt64(), m.TriangleCount);
        RidgeFixtures.AssertCloseValues(RidgeFixtures.Doubles(expected.GetProperty("strength")), m.Strength, Tolerance, "strength");
        RidgeFixtures.AssertCloseValues(RidgeFixtures.Doubles(expected.GetProperty("clustering")), m.Clustering, Tolerance, "clustering");
        Assert.Equal(expected.GetProperty("meanClustering").GetDouble(), m.MeanClustering, Tolerance);
        Assert.Equal(expected.GetProperty("globalEfficiency").GetDouble(), m.GlobalEfficiency, Tolerance);
        Assert.Equal(expected.GetProperty("density").GetDouble(), NetworkThreshold.Density(adjacency), Tolerance);
        var communities = Modularity.LeadingEigenvector(adjacency);
        Assert.Equal(RidgeFixtures.Ints(expected.GetProperty("modules")), communities.Module);
        Assert.Equal(expected.GetProperty("moduleCount").GetInt32(), communities.ModuleCount);
        Assert.Equal(expected.GetProperty("q").GetDouble(), communities.Q, Tolerance);
    }

    private static void AssertMatrix(double[,] expected, double[,] actual, string what) =>
        RidgeFixtures.AssertCloseValues(expected.Cast<double>().ToArray(), actual.Cast<double>().ToArray(), Tolerance, what);

    private static double[] Row(double[,] m, int i) => [.. Enumerable.Range(0, m.GetLength(1)).Select(j => m[i, j])];

    private static double[,] Rows(double[,] m, int from, int to)
    {
        var r = new double[to - from, m.GetLength(1)];
        for (int i = from; i < to; i++)
        {
            for (int j = 0; j < m.GetLength(1); j++)
            {
                r[i - from, j] = m[i, j];
            }
        }
        return r;
    }

    private static double[,] Pitt()
    {
        var configured = Environment.GetEnvironmentVariable("NEUROLAB_SHARED_DATA");
        var root = string.IsNullOrEmpty(configured) ? Path.Combine(Directory.GetParent(Repository())!.FullName, "shared", "data") : configured;
        var matrix = DelimitedMatrixReader.Read(Path.Combine(root, "abide-cc200", "Pitt_0050003_rois_cc200.1D"));
        var values = matrix.Values;
        var result = new double[matrix.RowCount, matrix.ColumnCount];
        for (int i = 0; i < matrix.RowCount; i++)
        {
            for (int j = 0; j < matrix.ColumnCount; j++)
            {
                result[i, j] = values.GetDouble((long)i * matrix.ColumnCount + j);
            }
        }
        return result;
    }

    private static string Repository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuroLab.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException("NeuroLab.sln not found above the test binaries.");
    }
}
