using NeuroLab.Analysis.Encoding;
using static NeuroLab.Analysis.Tests.Encoding.RidgeFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Encoding;

/// <summary>NoiseCeiling against closed forms and ridge_reference.py (numpy 1.24.2 var(ddof=1)).</summary>
public sealed class NoiseCeilingTests
{
    [Fact]
    public void Compute_KnownSignalAndNoise_MatchesClosedForm()
    {
        // 4 repeats of 5 stimuli; signal s = [-2, -1, 0, 1, 2] (sum of squared deviations 10); noise +-sigma with
        // sigma = 0.5 in a pattern that sums to zero per stimulus, so every stimulus has repeat variance 4 sigma^2 / 3.
        double[] signal = [-2, -1, 0, 1, 2];
        double[] pattern = [1, -1, 1, -1];
        const double sigma = 0.5;
        var values = new double[4 * 5 * 1];
        for (int r = 0; r < 4; r++)
        {
            for (int s = 0; s < 5; s++)
            {
                values[(r * 5) + s] = signal[s] + (sigma * pattern[r] * (s % 2 == 0 ? 1 : -1));
            }
        }
        using var trials = tensor(values, [4, 5, 1]);
        double noise = 4 * sigma * sigma / 3;
        double total = ((4 * 10) + (20 * sigma * sigma)) / (20 - 1);
        double ncsnr = Math.Sqrt(total - noise) / Math.Sqrt(noise);
        var result = NoiseCeiling.Compute(trials);
        Assert.Equal(noise, result.NoiseVariance[0], 12);
        Assert.Equal(total, result.TotalVariance[0], 12);
        Assert.Equal(ncsnr, result.Ncsnr[0], 12);
        Assert.Equal(100 * ncsnr * ncsnr / ((ncsnr * ncsnr) + 0.25), result.CeilingPercent[0], 10);
        Assert.Equal(4, result.AveragedTrials);
        var single = NoiseCeiling.Compute(trials, averagedTrials: 1);
        Assert.Equal(100 * ncsnr * ncsnr / ((ncsnr * ncsnr) + 1), single.CeilingPercent[0], 10);
        Assert.Equal(0.5, result.FractionOfCeiling([result.CeilingPercent[0] / 200])[0], 10);
    }

    [Fact]
    public void Compute_RandomTrials_MatchesNumpy()
    {
        var c = Reference.GetProperty("noise_ceiling");
        var slices = c.GetProperty("trials").EnumerateArray().Select(Matrix).ToList();
        using var scope = NewDisposeScope();
        var trials = stack(slices);
        var four = NoiseCeiling.Compute(trials);
        var one = NoiseCeiling.Compute(trials, 1);
        AssertCloseValues(Doubles(c.GetProperty("var_noise")), four.NoiseVariance, 1e-12, "noise variance");
        AssertCloseValues(Doubles(c.GetProperty("var_total")), four.TotalVariance, 1e-12, "total variance");
        AssertCloseValues(Doubles(c.GetProperty("ncsnr")), four.Ncsnr, 1e-12, "ncsnr");
        AssertCloseValues(Doubles(c.GetProperty("nc_4")), four.CeilingPercent, 1e-9, "NC, n = 4");
        AssertCloseValues(Doubles(c.GetProperty("nc_1")), one.CeilingPercent, 1e-9, "NC, n = 1");
        Assert.Equal(0.0, four.Ncsnr[4], 1); // unit 4 has no signal
    }

    [Fact]
    public void Compute_NoTrialVariability_CeilingIs100OrNaN()
    {
        // Two identical repeats; unit 0 differs between the stimuli, unit 1 is constant.
        using var trials = tensor(new double[] { 1, 2, 3, 2, 1, 2, 3, 2 }, [2, 2, 2]);
        var result = NoiseCeiling.Compute(trials);
        Assert.Equal(100, result.CeilingPercent[0]);
        Assert.True(double.IsNaN(result.CeilingPercent[1]));
        Assert.True(double.IsNaN(result.FractionOfCeiling([0.5, 0.5])[1]));
        Assert.Throws<ArgumentException>(() => NoiseCeiling.Compute(trials.narrow(0, 0, 1)));
        Assert.Throws<ArgumentException>(() => result.FractionOfCeiling([0.5]));
    }
}
