using NeuroLab.Analysis.Rsa;
using static NeuroLab.Analysis.Tests.Rsa.RsaFixtures;

namespace NeuroLab.Analysis.Tests.Rsa;

/// <summary>
/// Comparisons against <c>rsa_reference.py</c> (scipy 1.10.1 spearmanr/pearsonr; tau-a by brute force over all pairs;
/// whitened Pearson with the dense RDM covariance and np.linalg.solve), and the k92 numbers of METHODS.md.
/// </summary>
public class RdmComparisonTests
{
    [Theory]
    [InlineData(RdmComparisonMethod.Spearman)]
    [InlineData(RdmComparisonMethod.KendallTauA)]
    [InlineData(RdmComparisonMethod.Pearson)]
    [InlineData(RdmComparisonMethod.Cosine)]
    [InlineData(RdmComparisonMethod.WhitenedPearson)]
    public void Compare_TiedContinuousAndNaNModels_MatchesReference(RdmComparisonMethod method)
    {
        var c = Reference.GetProperty("compare");
        var data = Doubles(c.GetProperty("data"));
        var models = c.GetProperty("models").EnumerateArray().Select(Doubles).ToArray();
        var expected = Doubles(c.GetProperty("values").GetProperty(method.ToString()));

        AssertClose(expected, RdmComparison.Compare(models, data, method), 1e-10);
        // The pairwise overload and the argument order agree with the batched call.
        Assert.Equal(expected[1], RdmComparison.Compare(data, models[1], method), 10);
    }

    [Theory]
    [InlineData(RdmComparisonMethod.Spearman)]
    [InlineData(RdmComparisonMethod.KendallTauA)]
    [InlineData(RdmComparisonMethod.WhitenedPearson)]
    public void NoiseCeiling_FiveNoisySubjects_MatchesReference(RdmComparisonMethod method)
    {
        var c = Reference.GetProperty("ceiling");
        var subjects = c.GetProperty("subjects").EnumerateArray().Select(Doubles).ToArray();
        var expected = Doubles(c.GetProperty("values").GetProperty(method.ToString()));
        var ceiling = RsaNoiseCeiling.Compute(subjects, method);
        Assert.Equal(expected[0], ceiling.Lower, 10);
        Assert.Equal(expected[1], ceiling.Upper, 10);
        Assert.Throws<ArgumentException>(() => RsaNoiseCeiling.Compute([subjects[0]], method));
    }

    [Fact]
    public void TauA_RandomWithManyTies_EqualsBruteForce()
    {
        var rng = new Random(3);
        var a = Enumerable.Range(0, 300).Select(_ => (double)rng.Next(5)).ToArray();
        var b = Enumerable.Range(0, 300).Select(_ => (double)rng.Next(7)).ToArray();
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            for (int j = i + 1; j < a.Length; j++)
            {
                sum += Math.Sign(a[i] - a[j]) * Math.Sign(b[i] - b[j]);
            }
        }
        Assert.Equal(sum / (300 * 299 / 2.0), RdmComparison.Compare(a, b, RdmComparisonMethod.KendallTauA), 12);
    }

    [Fact]
    public void TauA_K92SubjectMean_ReproducesMethodsMd()
    {
        var mean = Rdm.Mean(K92Subjects);
        var tau = RdmComparison.Compare(K92Models, mean, RdmComparisonMethod.KendallTauA);
        Assert.Equal(["animacy", "FaceBodyManmadeNatobj", "monkeyIT", "EVA", "HMAX", "V1", "Silhouette", "RADON"], K92ModelNames);
        // METHODS.md (scipy/numpy): animacy 0.340, monkey IT 0.304, HMAX 0.149, V1 0.026.
        Assert.Equal(0.340, Math.Round(tau[0], 3));
        Assert.Equal(0.304, Math.Round(tau[2], 3));
        Assert.Equal(0.149, Math.Round(tau[4], 3));
        Assert.Equal(0.026, Math.Round(tau[5], 3));
        AssertClose(Doubles(Reference.GetProperty("k92").GetProperty("taua")), tau, 1e-9);
        AssertClose(Doubles(Reference.GetProperty("k92").GetProperty("spearman")),
            RdmComparison.Compare(K92Models, mean, RdmComparisonMethod.Spearman), 1e-9);
    }

    [Fact]
    public void NoiseCeiling_K92TauA_ReproducesMethodsMd()
    {
        var ceiling = RsaNoiseCeiling.Compute(K92Subjects, RdmComparisonMethod.KendallTauA);
        Assert.Equal(0.258, Math.Round(ceiling.Lower, 3));
        Assert.Equal(0.476, Math.Round(ceiling.Upper, 3));
        var expected = Doubles(Reference.GetProperty("k92").GetProperty("ceiling_taua"));
        Assert.Equal(expected[0], ceiling.Lower, 9);
        Assert.Equal(expected[1], ceiling.Upper, 9);
    }

    [Fact]
    public void Compare_LengthMismatchOrUnknownMethod_Throws()
    {
        Assert.Throws<ArgumentException>(() => RdmComparison.Compare([1.0, 2, 3], [1.0, 2], RdmComparisonMethod.Pearson));
        Assert.Throws<ArgumentOutOfRangeException>(() => RdmComparison.Compare([1.0, 2, 3], [1.0, 2, 4], (RdmComparisonMethod)42));
    }
}
