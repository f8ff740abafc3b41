using NeuroLab.Analysis.Encoding;
using static NeuroLab.Analysis.Tests.Encoding.RidgeFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Encoding;

/// <summary>
/// PermutationTest and FalseDiscoveryRate against ridge_reference.py: the same SplitMix64 permutations replayed in numpy
/// (so the p-values agree exactly), and a numpy Benjamini-Hochberg (scipy 1.10 has no false_discovery_control).
/// </summary>
public sealed class PermutationTestTests
{
    [Theory]
    [InlineData(PermutationAlternative.Greater, "p_greater")]
    [InlineData(PermutationAlternative.TwoSided, "p_two_sided")]
    public void Run_SeededPermutations_MatchNumpy(PermutationAlternative alternative, string key)
    {
        var c = Reference.GetProperty("permutation");
        using var scope = NewDisposeScope();
        var result = PermutationTest.Run(
            Matrix(c.GetProperty("pred")), Matrix(c.GetProperty("resp")), c.GetProperty("permutations").GetInt32(),
            c.GetProperty("seed").GetUInt64(), alternative, unitBatchSize: 3);
        AssertCloseValues(Doubles(c.GetProperty("observed")), result.ObservedR, 1e-12, "observed r");
        AssertCloseValues(Doubles(c.GetProperty(key)), result.PValues, 1e-15, "p-values");
        Assert.Equal(1.0 / 201, result.PValues.Min(), 15);
    }

    [Fact]
    public void Run_ObservedR_EqualsEncodingScores()
    {
        var c = Reference.GetProperty("permutation");
        using var scope = NewDisposeScope();
        var pred = Matrix(c.GetProperty("pred")).to_type(ScalarType.Float32);
        var resp = Matrix(c.GetProperty("resp")).to_type(ScalarType.Float32);
        var result = PermutationTest.Run(pred, resp, 10);
        var (r, _) = EncodingScores.PearsonAndR2(resp, pred);
        AssertCloseValues(r.data<double>().ToArray(), result.ObservedR, 1e-12, "r");
        Assert.Throws<ArgumentException>(() => PermutationTest.Run(pred, resp.narrow(1, 0, 3)));
    }

    [Fact]
    public void BenjaminiHochberg_RandomPValues_MatchesNumpy()
    {
        var c = Reference.GetProperty("fdr");
        double[] q = FalseDiscoveryRate.BenjaminiHochberg(Doubles(c.GetProperty("p")));
        AssertCloseValues(Doubles(c.GetProperty("q")), q, 1e-15, "q-values");
        Assert.Equal(c.GetProperty("significant_010").EnumerateArray().Select(v => v.GetBoolean()), FalseDiscoveryRate.Significant(q, 0.10));
    }

    [Fact]
    public void BenjaminiHochberg_HandCase_AndBadInput()
    {
        // m = 4: p = [0.01, 0.04, 0.03, 0.5] -> sorted 0.01, 0.03, 0.04, 0.5 -> m p / rank = 0.04, 0.06, 0.0533, 0.5
        // -> running minimum from the top: 0.04, 0.0533, 0.0533, 0.5.
        double[] q = FalseDiscoveryRate.BenjaminiHochberg([0.01, 0.04, 0.03, 0.5]);
        AssertCloseValues([0.04, 0.16 / 3, 0.16 / 3, 0.5], q, 1e-15, "q");
        Assert.Equal([true, false, false, false], FalseDiscoveryRate.Significant(q, 0.05));
        Assert.Empty(FalseDiscoveryRate.BenjaminiHochberg([]));
        Assert.Throws<ArgumentException>(() => FalseDiscoveryRate.BenjaminiHochberg([0.1, double.NaN]));
        Assert.Throws<ArgumentException>(() => FalseDiscoveryRate.BenjaminiHochberg([1.5]));
    }
}
