using NeuroLab.Analysis.Rsa;
using static NeuroLab.Analysis.Tests.Rsa.RsaFixtures;

namespace NeuroLab.Analysis.Tests.Rsa;

/// <summary>RDM construction against scipy 1.10.1 <c>pdist</c> and the numpy crossnobis of <c>rsa_reference.py</c>.</summary>
public class RdmTests
{
    [Fact]
    public void SizeAndConditions_RoundTrip_Inverse()
    {
        Assert.Equal(4186, Rdm.Size(92));
        Assert.Equal(92, Rdm.Conditions(4186));
        Assert.Throws<ArgumentException>(() => Rdm.Conditions(5));
        Assert.Throws<ArgumentException>(() => Rdm.Conditions(0));
    }

    [Fact]
    public void CondenseAndSquare_RoundTrip_ScipyOrder()
    {
        double[] condensed = [1, 2, 3, 4, 5, 6];
        var square = Rdm.Square(condensed);
        // scipy squareform order: (0,1) (0,2) (0,3) (1,2) (1,3) (2,3).
        Assert.Equal(4.0, square[(1 * 4) + 2]);
        Assert.Equal(4.0, square[(2 * 4) + 1]);
        Assert.Equal(condensed, Rdm.Condense(square, 4));
        Assert.Equal(2, Rdm.Index(0, 3, 4));
    }

    [Fact]
    public void Condense_Asymmetric_NamesFirstBadCell()
    {
        var square = Rdm.Square([1, 2, 3]);
        square[(2 * 3) + 1] = 3.5;
        var ex = Assert.Throws<ArgumentException>(() => Rdm.Condense(square, 3));
        Assert.Contains("(1, 2)", ex.Message);
        square = Rdm.Square([1, 2, 3]);
        square[4] = 0.1;
        Assert.Contains("(1, 1)", Assert.Throws<ArgumentException>(() => Rdm.Condense(square, 3)).Message);
    }

    [Fact]
    public void CorrelationAndEuclidean_RandomPatterns_MatchScipyPdist()
    {
        var c = Reference.GetProperty("patterns");
        int n = c.GetProperty("n").GetInt32(), p = c.GetProperty("p").GetInt32();
        var x = Floats(c.GetProperty("values"));
        AssertClose(Doubles(c.GetProperty("correlation")), Rdm.Correlation(x, n, p), 1e-12);
        AssertClose(Doubles(c.GetProperty("euclidean")), Rdm.Euclidean(x, n, p), 1e-12);
    }

    [Theory]
    [InlineData(true, "whitened")]
    [InlineData(false, "plain")]
    public void Crossnobis_ThreeRunsOneMissingCell_MatchesNumpy(bool noiseNormalise, string key)
    {
        var c = Reference.GetProperty("crossnobis");
        int p = c.GetProperty("p").GetInt32(), n = c.GetProperty("conditions").GetInt32();
        var cond = Ints(c.GetProperty("condition"));
        var x = Floats(c.GetProperty("values"));
        var d = Rdm.Crossnobis(x, cond.Length, p, cond, Ints(c.GetProperty("run")), n, noiseNormalise);
        AssertClose(Doubles(c.GetProperty(key)), d, 1e-10);
    }

    [Fact]
    public void Crossnobis_ConditionInOneRun_Throws()
    {
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        var ex = Assert.Throws<ArgumentException>(() => Rdm.Crossnobis(x, 4, 2, [0, 1, 0, 1], [0, 0, 1, 0], 2));
        Assert.Contains("Condition 1", ex.Message);
    }

    [Fact]
    public void Mean_WithNaN_IgnoresMissing()
    {
        var mean = Rdm.Mean([[1, double.NaN, 3], [3, double.NaN, double.NaN]]);
        Assert.Equal(2, mean[0]);
        Assert.True(double.IsNaN(mean[1]));
        Assert.Equal(3, mean[2]);
    }
}
