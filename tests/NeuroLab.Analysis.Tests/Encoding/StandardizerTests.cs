using NeuroLab.Analysis.Encoding;
using NeuroLab.Analysis.Runtime;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Encoding;

public sealed class StandardizerTests
{
    [Fact]
    public void TorchRuntime_Describe_LoadsNativeLibrary()
    {
        var info = TorchRuntime.Describe();
        Assert.StartsWith("2.", info.LibTorchVersion, StringComparison.Ordinal);
        Assert.True(info.IntraOpThreads >= 1);
    }

    [Fact]
    public void Fit_SmallMatrix_MatchesClosedForm()
    {
        // Column 0: 1,2,3,4 -> mean 2.5, population sd sqrt(1.25); column 1: 10,10,30,30 -> mean 20, sd 10.
        using var train = tensor(new float[] { 1, 10, 2, 10, 3, 30, 4, 30 }, [4, 2]);
        using var standardizer = Standardizer.Fit(train);
        using var z = standardizer.Transform(train);
        var values = z.data<float>().ToArray();
        double sd0 = Math.Sqrt(1.25);
        double[] expected = [(1 - 2.5) / sd0, -1, (2 - 2.5) / sd0, -1, (3 - 2.5) / sd0, 1, (4 - 2.5) / sd0, 1];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], values[i], 1e-6); // float32 rounding only
        }
        Assert.Empty(standardizer.ConstantColumns);
    }

    [Fact]
    public void Transform_TestData_UsesTrainingStatisticsOnly()
    {
        using var train = tensor(new float[] { 0, 2, 4 }, [3, 1]); // mean 2, sd sqrt(8/3)
        using var test = tensor(new float[] { 100 }, [1, 1]);
        using var standardizer = Standardizer.Fit(train);
        using var z = standardizer.Transform(test);
        Assert.Equal((100 - 2) / Math.Sqrt(8.0 / 3.0), z.item<float>(), 1e-4);
    }

    [Fact]
    public void Fit_ConstantColumn_ReportsItAndMapsToZero()
    {
        using var train = tensor(new float[] { 1, 5, 2, 5, 3, 5 }, [3, 2]);
        using var standardizer = Standardizer.Fit(train);
        using var z = standardizer.Transform(train);
        Assert.Equal([1], standardizer.ConstantColumns);
        Assert.All(z[.., 1].data<float>().ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Fit_NaN_IsRejectedWithMessage()
    {
        using var train = tensor(new float[] { 1, float.NaN, 2, 3 }, [2, 2]);
        var error = Assert.Throws<ArgumentException>(() => Standardizer.Fit(train));
        Assert.Contains("NaN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_WrongShape_IsRejectedWithMessage()
    {
        using var train = zeros(4);
        var error = Assert.Throws<ArgumentException>(() => Standardizer.Fit(train));
        Assert.Contains("2-D", error.Message, StringComparison.Ordinal);
    }
}
