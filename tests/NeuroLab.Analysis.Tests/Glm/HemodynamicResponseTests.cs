using NeuroLab.Analysis.Glm;
using static NeuroLab.Analysis.Tests.Glm.GlmFixtures;

namespace NeuroLab.Analysis.Tests.Glm;

public sealed class HemodynamicResponseTests
{
    // Reference: scipy 1.10.1 stats.gamma.pdf on nilearn's grid (glm_reference.py), tolerance 1e-10 per sample.
    // The dispersion-0.9 case has non-integer shapes (6.67, 13.3), which exercises the log-gamma function.
    private const double SampleTolerance = 1e-10;

    public static TheoryData<int> HrfCases() => [.. Enumerable.Range(0, Reference.GetProperty("hrf").GetArrayLength())];

    [Theory]
    [MemberData(nameof(HrfCases))]
    public void Kernel_ReferenceCase_MatchesScipyGamma(int index)
    {
        var c = Reference.GetProperty("hrf")[index];
        double tr = c.GetProperty("tr").GetDouble();
        int oversampling = c.GetProperty("oversampling").GetInt32();
        double timeLength = c.GetProperty("time_length").GetDouble();
        double[] actual = c.GetProperty("kind").GetString() == "spm"
            ? HemodynamicResponse.SpmCanonical(tr, oversampling, timeLength)
            : HemodynamicResponse.DoubleGamma(
                tr, oversampling, timeLength,
                c.GetProperty("delay").GetDouble(), c.GetProperty("undershoot").GetDouble(),
                c.GetProperty("dispersion").GetDouble(), c.GetProperty("u_dispersion").GetDouble(), c.GetProperty("ratio").GetDouble());
        AssertAllClose(Doubles(c.GetProperty("values")), actual, SampleTolerance, $"hrf case {index}");
    }

    [Fact]
    public void SpmCanonical_Tr25_HasNilearnLengthUnitSumAndPeakNearFiveSeconds()
    {
        double[] hrf = HemodynamicResponse.SpmCanonical(2.5);
        Assert.Equal(640, hrf.Length); // rint(32 / (2.5 / 50))
        Assert.Equal(1.0, hrf.Sum(), 1e-12);
        double step = 32.0 / (hrf.Length - 1);
        double peak = Array.IndexOf(hrf, hrf.Max()) * step;
        double trough = Array.IndexOf(hrf, hrf.Min()) * step;
        // Gamma(6, 1) has its mode at 5 s, shifted by loc = dt = 0.05 s; the undershoot dips near 15-16 s.
        Assert.InRange(peak, 5.0, 5.1);
        Assert.InRange(trough, 14.5, 16.5);
        Assert.True(hrf.Min() < 0);
        Assert.Equal(0.0, hrf[0]);
    }

    [Fact]
    public void SpmCanonical_SpmRatio_DiffersFromNilearnRatioOnlySlightly()
    {
        double[] nilearn = HemodynamicResponse.SpmCanonical(2.5);
        double[] spm = HemodynamicResponse.DoubleGamma(2.5, 50, 32, 6, 16, 1, 1, HemodynamicResponse.SpmRatio);
        double maxDiff = nilearn.Zip(spm, (a, b) => Math.Abs(a - b)).Max();
        Assert.Equal(Reference.GetProperty("hrf_ratio_0167_vs_sixth_max_abs_diff").GetDouble(), maxDiff, 1e-12);
    }

    [Theory]
    [InlineData(0.0, 50, 32.0)]
    [InlineData(-2.0, 50, 32.0)]
    [InlineData(double.NaN, 50, 32.0)]
    [InlineData(2.0, 0, 32.0)]
    [InlineData(2.0, 50, 0.0)]
    public void SpmCanonical_InvalidTiming_Throws(double tr, int oversampling, double timeLength)
    {
        Assert.ThrowsAny<ArgumentException>(() => HemodynamicResponse.SpmCanonical(tr, oversampling, timeLength));
    }

    [Fact]
    public void SpmCanonical_KernelShorterThanTwoSamples_ThrowsWithReason()
    {
        var error = Assert.Throws<ArgumentException>(() => HemodynamicResponse.SpmCanonical(40, 1, 32));
        Assert.Contains("samples", error.Message, StringComparison.Ordinal);
    }
}
