using NeuroLab.Analysis.Encoding;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Encoding;

/// <summary>
/// The test-set bootstrap: weighted correlations equal the Pearson r of explicitly resampled rows (written out in
/// double loops), clusters are drawn whole, and the spread of bootstrapped r matches the asymptotic standard error of a
/// correlation of a bivariate normal, (1 - rho^2) / sqrt(n) (Fisher 1915; e.g. Kendall and Stuart, Vol. 1, 16.33).
/// </summary>
public sealed class TestSetBootstrapTests
{
    private static double Pearson(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Count; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.Sqrt(saa * sbb);
    }

    [Fact]
    public void Correlations_EqualPearsonOfTheExplicitlyResampledRows()
    {
        using var scope = NewDisposeScope();
        var random = new Random(4);
        int rows = 30, units = 5;
        var p = new double[rows * units];
        var y = new double[rows * units];
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = random.NextDouble() * 10 + 100;
            y[i] = 0.5 * p[i] + random.NextDouble() * 3;
        }
        var counts = TestSetBootstrap.Counts([.. Enumerable.Range(0, rows)], 20, seed: 7);
        var r = TestSetBootstrap.Correlations(tensor(p, [rows, units]), tensor(y, [rows, units]).to_type(ScalarType.Float32), counts);
        Assert.Equal([20L, units], r.shape);
        var c = counts.data<double>().ToArray();
        for (int b = 0; b < 20; b++)
        {
            Assert.Equal(rows, Enumerable.Range(0, rows).Sum(i => c[b * rows + i]));
            for (int u = 0; u < units; u++)
            {
                var pa = new List<double>();
                var ya = new List<double>();
                for (int i = 0; i < rows; i++)
                {
                    for (int k = 0; k < c[b * rows + i]; k++)
                    {
                        pa.Add(p[i * units + u]);
                        ya.Add(y[i * units + u]);
                    }
                }
                // The responses went in as float32: compare with the same rounding.
                Assert.Equal(Pearson(pa, [.. ya.Select(v => (double)(float)v)]), r[b, u].item<double>(), 1e-9);
            }
        }
    }

    [Fact]
    public void Correlations_AllOnes_IsTheTestR_ConstantResampleIsNaN()
    {
        using var scope = NewDisposeScope();
        double[] p = [1, 2, 3, 4, 5, 6], y = [2, 1, 4, 3, 6, 5];
        var r = TestSetBootstrap.Correlations(tensor(p, [6, 1]), tensor(y, [6, 1]), tensor(new double[] { 1, 1, 1, 1, 1, 1, 6, 0, 0, 0, 0, 0 }, [2, 6]));
        Assert.Equal(Pearson(p, y), r[0, 0].item<double>(), 1e-12);
        Assert.True(double.IsNaN(r[1, 0].item<double>()));
    }

    [Fact]
    public void Counts_DrawWholeClusters_EveryRowOfAStimulusCountsAlike()
    {
        using var scope = NewDisposeScope();
        int[] cluster = [10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40];
        var c = TestSetBootstrap.Counts(cluster, 50, seed: 1).data<double>().ToArray();
        for (int b = 0; b < 50; b++)
        {
            for (int i = 0; i < cluster.Length; i++)
            {
                Assert.Equal(c[b * 12 + (i / 3 * 3)], c[b * 12 + i]);
            }
            // Four draws of a cluster of three rows each.
            Assert.Equal(12, Enumerable.Range(0, 12).Sum(i => c[b * 12 + i]));
        }
        // Seeded: the same seed draws the same resamples.
        Assert.Equal(c, TestSetBootstrap.Counts(cluster, 50, seed: 1).data<double>().ToArray());
    }

    [Fact]
    public void BootstrapSpread_MatchesTheAsymptoticStandardErrorOfR()
    {
        using var scope = NewDisposeScope();
        const int n = 400;
        const double rho = 0.5;
        var random = new Random(11);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var p = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            p[i] = Normal();
            y[i] = rho * p[i] + Math.Sqrt(1 - rho * rho) * Normal();
        }
        var r = TestSetBootstrap.Correlations(tensor(p, [n, 1]), tensor(y, [n, 1]), TestSetBootstrap.Counts([.. Enumerable.Range(0, n)], 2000, seed: 3))
            .data<double>().ToArray();
        double mean = r.Average();
        double sd = Math.Sqrt(r.Sum(v => (v - mean) * (v - mean)) / (r.Length - 1));
        double r0 = Pearson(p, y);
        Assert.InRange(sd, 0.85 * (1 - r0 * r0) / Math.Sqrt(n), 1.15 * (1 - r0 * r0) / Math.Sqrt(n));
        // The percentile interval holds the sample's own r.
        Assert.InRange(r0, TestSetBootstrap.Quantile(r, 0.025), TestSetBootstrap.Quantile(r, 0.975));
    }

    [Fact]
    public void Quantile_IsNumpysLinearInterpolation_IgnoringNaN()
    {
        // numpy.quantile([1, 2, 3, 4], 0.25) == 1.75; numpy.quantile([1, 2, 3, 4], 0.975) == 3.925.
        Assert.Equal(1.75, TestSetBootstrap.Quantile([1, 2, double.NaN, 3, 4], 0.25), 12);
        Assert.Equal(3.925, TestSetBootstrap.Quantile([4, 3, 2, 1], 0.975), 12);
        Assert.True(double.IsNaN(TestSetBootstrap.Quantile([double.NaN], 0.5)));
    }
}
