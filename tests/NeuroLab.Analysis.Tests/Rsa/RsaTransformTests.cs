using NeuroLab.Analysis.Rsa;
using static NeuroLab.Analysis.Tests.Rsa.RsaFixtures;

namespace NeuroLab.Analysis.Tests.Rsa;

/// <summary>Topological RSA (scipy 1.10.1 rankdata + csgraph shortest_path), CKA (Kornblith et al.'s gram_linear /
/// gram_rbf / cka in numpy) and classical MDS (numpy eigh) against <c>rsa_reference.py</c>.</summary>
public class RsaTransformTests
{
    [Theory]
    [InlineData(false, "transform")]
    [InlineData(true, "geodesic")]
    public void Topological_TiedRdm_MatchesScipy(bool geodesic, string key)
    {
        var c = Reference.GetProperty("topological");
        var t = TopologicalRsa.Transform(Doubles(c.GetProperty("rdm")), c.GetProperty("lower").GetDouble(), c.GetProperty("upper").GetDouble(), geodesic);
        AssertClose(Doubles(c.GetProperty(key)), t, 1e-12);
    }

    [Theory]
    [InlineData(0.5, 0.5)]
    [InlineData(-0.1, 0.5)]
    [InlineData(0.2, 1.1)]
    public void Topological_BadThresholds_Throws(double lower, double upper) =>
        Assert.Throws<ArgumentException>(() => TopologicalRsa.Transform([1, 2, 3], lower, upper));

    [Fact]
    public void Cka_LinearAndRbf_MatchKornblithFormulas()
    {
        var c = Reference.GetProperty("cka");
        int n = c.GetProperty("n").GetInt32(), p = c.GetProperty("p").GetInt32(), q = c.GetProperty("q").GetInt32();
        var x = Floats(c.GetProperty("x"));
        var y = Floats(c.GetProperty("y"));
        Assert.Equal(c.GetProperty("linear").GetDouble(), Cka.Linear(x, n, p, y, q), 10);
        Assert.Equal(c.GetProperty("rbf").GetDouble(), Cka.Rbf(x, n, p, y, q), 10);
        Assert.Equal(c.GetProperty("rbf_half").GetDouble(), Cka.Rbf(x, n, p, y, q, 0.5), 10);
        Assert.Equal(1.0, Cka.Linear(x, n, p, x, p), 12);
    }

    [Fact]
    public void ClassicalMds_EuclideanRdm_MatchesEighAndKeepsDistances()
    {
        var c = Reference.GetProperty("mds");
        var rdm = Doubles(c.GetProperty("rdm"));
        AssertClose(Doubles(c.GetProperty("embedding2")), ClassicalMds.Embed(rdm, 2), 1e-9);
        // Six points in 3-D: a 3-D embedding reproduces every distance.
        var x = ClassicalMds.Embed(rdm, 3);
        var d = Rdm.Euclidean([.. x.Select(v => (float)v)], 6, 3);
        AssertClose(rdm, d, 1e-5);
        Assert.Throws<ArgumentException>(() => ClassicalMds.Embed([1, double.NaN, 2]));
    }
}
