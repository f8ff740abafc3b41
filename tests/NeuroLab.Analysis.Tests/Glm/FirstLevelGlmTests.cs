using NeuroLab.Analysis.Glm;
using static NeuroLab.Analysis.Tests.Glm.GlmFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Glm;

public sealed class FirstLevelGlmTests
{
    // Reference: numpy 1.24.2 linalg.lstsq betas, RSS / (n - p), t = c'b / sqrt(s2 c'(X'X)^-1 c) (glm_reference.py).
    private const double BetaTolerance = 1e-6;
    private const double RelativeVarianceTolerance = 1e-9;
    private const double TTolerance = 1e-6;

    [Fact]
    public void Fit_SyntheticKnownBetas_MatchesLstsqAndRecoversTruth()
    {
        var r = Reference.GetProperty("synthetic_glm");
        var design = DesignMatrixTests.BuildFromReference(Design(r.GetProperty("design").GetString()!));
        using var bold = LoadBold(r.GetProperty("bold").GetString()!);
        using var fit = FirstLevelGlm.Fit(bold, design);

        double[] betas = fit.Betas.data<double>().ToArray();
        AssertAllClose(Flat(Matrix(r.GetProperty("betas"))), betas, BetaTolerance, "betas");
        AssertRelativeClose(Doubles(r.GetProperty("residual_variance")), fit.ResidualVariance.data<double>().ToArray(), "residual variance");
        Assert.Equal(r.GetProperty("dof").GetInt32(), fit.DegreesOfFreedom);
        using var t = fit.TStatistic(Doubles(r.GetProperty("contrast")));
        AssertAllClose(Doubles(r.GetProperty("t")), t.data<double>().ToArray(), TTolerance, "t");

        // The data are design x known betas + N(0, 0.5^2) noise: every estimate lies within 5 standard errors.
        double[] truth = Flat(Matrix(r.GetProperty("true_betas")));
        double[,] covariance = fit.UnscaledCovariance;
        double[] variance = fit.ResidualVariance.data<double>().ToArray();
        int voxels = variance.Length;
        for (int i = 0; i < betas.Length; i++)
        {
            double standardError = Math.Sqrt(variance[i % voxels] * covariance[i / voxels, i / voxels]);
            Assert.True(Math.Abs(betas[i] - truth[i]) < 5 * standardError, $"beta {i}: {betas[i]} vs true {truth[i]}, se {standardError}");
        }
    }

    [Fact]
    public void Fit_HaxbyRun1_MatchesLstsq()
    {
        var r = Reference.GetProperty("haxby_run1");
        var conditions = Strings(Design("haxby_run1_cosine128").GetProperty("conditions"));
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(121, 2.5), ReadEventsTsv(FixturePath("haxby_run1_events.tsv")), conditions);
        // The BOLD values are int16 in the NIfTI file, so float32 holds them exactly, as a caller would pass them.
        using var bold64 = LoadBold(r.GetProperty("bold").GetString()!);
        using var bold = bold64.to_type(ScalarType.Float32);
        Assert.Equal([121L, 600L], bold.shape);
        using var fit = FirstLevelGlm.Fit(bold, design, voxelBatchSize: 256);

        AssertAllClose(Flat(Matrix(r.GetProperty("betas"))), fit.Betas.data<double>().ToArray(), BetaTolerance, "betas");
        AssertRelativeClose(Doubles(r.GetProperty("residual_variance")), fit.ResidualVariance.data<double>().ToArray(), "residual variance");
        Assert.Equal(108, fit.DegreesOfFreedom);
        using var t = fit.TStatistic(design.Contrast(("face", 1), ("house", -1)));
        Assert.Equal(Doubles(r.GetProperty("contrast")), design.Contrast(("face", 1), ("house", -1)));
        AssertAllClose(Doubles(r.GetProperty("t")), t.data<double>().ToArray(), TTolerance, "t face - house");
    }

    [Fact]
    public void Fit_OneBoxcarNoNoise_RecoversExactBetas()
    {
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(60, 2), [new(10, 20, "task")], ["task"], drift: DriftModel.ConstantOnly);
        double[] regressor = design.Column(0);
        double[] trueTask = [3.5, -1.25, 0];
        double[] trueBaseline = [100, 2000, -7];
        var y = new double[60 * 3];
        for (int s = 0; s < 60; s++)
        {
            for (int v = 0; v < 3; v++)
            {
                y[(s * 3) + v] = (trueTask[v] * regressor[s]) + trueBaseline[v];
            }
        }
        using var bold = tensor(y, [60, 3]);
        using var fit = FirstLevelGlm.Fit(bold, design);
        double[] betas = fit.Betas.data<double>().ToArray();
        AssertAllClose([.. trueTask, .. trueBaseline], betas, 1e-10, "betas");
        Assert.All(fit.ResidualVariance.data<double>().ToArray(), v => Assert.True(v < 1e-20, $"residual variance {v}"));
    }

    [Fact]
    public void Fit_IndicatorRegressor_BetaIsDifferenceOfMeans()
    {
        // Without convolution the regressor is a 0/1 indicator; with a constant, OLS gives
        // beta = mean(on) - mean(off), constant = mean(off), s2 = (SS_on + SS_off) / (n - 2).
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(30, 2), [new(20, 16, "on")], ["on"], (_, _) => [1.0], DriftModel.ConstantOnly);
        double[] y = Enumerable.Range(0, 30).Select(s => Math.Sin(s * 1.7) * 10 + (s % 7)).ToArray();
        var on = Enumerable.Range(0, 30).Where(s => design[s, 0] == 1).Select(s => y[s]).ToArray();
        var off = Enumerable.Range(0, 30).Where(s => design[s, 0] == 0).Select(s => y[s]).ToArray();
        Assert.Equal(8, on.Length);
        double sumOfSquares = on.Sum(v => Math.Pow(v - on.Average(), 2)) + off.Sum(v => Math.Pow(v - off.Average(), 2));

        using var bold = tensor(y, [30, 1]);
        using var fit = FirstLevelGlm.Fit(bold, design);
        AssertAllClose([on.Average() - off.Average(), off.Average()], fit.Betas.data<double>().ToArray(), 1e-12, "betas");
        Assert.Equal(sumOfSquares / 28, fit.ResidualVariance.item<double>(), 1e-12);
        using var effect = fit.Effect(design.Contrast(("on", 1)));
        using var effectVariance = fit.EffectVariance(design.Contrast(("on", 1)));
        Assert.Equal(on.Average() - off.Average(), effect.item<double>(), 1e-12);
        Assert.Equal(sumOfSquares / 28 * ((1.0 / on.Length) + (1.0 / off.Length)), effectVariance.item<double>(), 1e-12);
    }

    [Fact]
    public void Fit_BatchSize_DoesNotChangeResults()
    {
        var r = Reference.GetProperty("synthetic_glm");
        var design = DesignMatrixTests.BuildFromReference(Design(r.GetProperty("design").GetString()!));
        using var bold = LoadBold(r.GetProperty("bold").GetString()!);
        using var whole = FirstLevelGlm.Fit(bold, design);
        using var batched = FirstLevelGlm.Fit(bold, design, voxelBatchSize: 7);
        AssertAllClose(whole.Betas.data<double>().ToArray(), batched.Betas.data<double>().ToArray(), 1e-12, "betas");
        AssertAllClose(whole.ResidualVariance.data<double>().ToArray(), batched.ResidualVariance.data<double>().ToArray(), 1e-12, "variance");
    }

    [Fact]
    public void Fit_DuplicatedCondition_ThrowsNamingCollinearColumns()
    {
        var events = new List<TaskEvent> { new(4, 8, "a"), new(4, 8, "b"), new(40, 8, "c") };
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(40, 2), events, ["a", "b", "c"]);
        using var bold = Wiggle(40, 5);
        var error = Assert.Throws<ArgumentException>(() => FirstLevelGlm.Fit(bold, design));
        Assert.Contains("columns a, b are collinear", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ColumnProportionalToConstant_ThrowsNamingBoth()
    {
        var values = new double[10, 3];
        for (int s = 0; s < 10; s++)
        {
            values[s, 0] = s % 3;
            values[s, 1] = 2.5;
            values[s, 2] = 1;
        }
        var design = new DesignMatrix(values, ["task", "offset", "constant"], 1);
        using var bold = Wiggle(10, 2);
        var error = Assert.Throws<ArgumentException>(() => FirstLevelGlm.Fit(bold, design));
        Assert.Contains("columns offset, constant are collinear", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_EmptyCondition_GivesNaNBetasAndSameFitForTheRest()
    {
        var events = new List<TaskEvent> { new(4, 10, "a"), new(40, 10, "a"), new(20, 10, "c") };
        double[] frames = DesignMatrix.FrameTimes(50, 2);
        var withEmpty = DesignMatrix.Build(frames, events, ["a", "b", "c"], includeEmptyConditions: true);
        var without = DesignMatrix.Build(frames, events, ["a", "c"]);
        using var bold = Wiggle(50, 4);
        using var fitWith = FirstLevelGlm.Fit(bold, withEmpty);
        using var fitWithout = FirstLevelGlm.Fit(bold, without);

        Assert.Equal([1], fitWith.EmptyColumns);
        Assert.Equal(fitWithout.DegreesOfFreedom, fitWith.DegreesOfFreedom);
        Assert.All(fitWith.Betas[1].data<double>().ToArray(), v => Assert.True(double.IsNaN(v)));
        using var kept = fitWith.Betas.index_select(0, tensor(new long[] { 0, 2, 3, 4 }));
        AssertAllClose(fitWithout.Betas.data<double>().ToArray(), kept.data<double>().ToArray(), 1e-10, "betas without the empty column");
        using var t = fitWith.TStatistic(withEmpty.Contrast(("a", 1), ("c", -1)));
        using var tWithout = fitWithout.TStatistic(without.Contrast(("a", 1), ("c", -1)));
        AssertAllClose(tWithout.data<double>().ToArray(), t.data<double>().ToArray(), 1e-10, "t");
        var error = Assert.Throws<ArgumentException>(() => fitWith.TStatistic(withEmpty.Contrast(("b", 1))));
        Assert.Contains("b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_NonFiniteVoxel_ThrowsNamingIt()
    {
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(30, 2), [new(4, 8, "a")], ["a"]);
        using var bold = zeros(30, 20, ScalarType.Float32);
        bold[3, 13] = tensor(float.NaN);
        var error = Assert.Throws<ArgumentException>(() => FirstLevelGlm.Fit(bold, design, voxelBatchSize: 8));
        Assert.Contains("voxel 13", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ScanCountMismatch_Throws()
    {
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(30, 2), [new(4, 8, "a")], ["a"]);
        using var bold = zeros(29, 4);
        var error = Assert.Throws<ArgumentException>(() => FirstLevelGlm.Fit(bold, design));
        Assert.Contains("scans = 30", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_MoreRegressorsThanScans_Throws()
    {
        var design = new DesignMatrix(new double[,] { { 1, 0 }, { 0, 1 } }, ["a", "constant"], 1);
        using var bold = zeros(2, 3);
        var error = Assert.Throws<ArgumentException>(() => FirstLevelGlm.Fit(bold, design));
        Assert.Contains("degrees of freedom", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TStatistic_BadContrast_Throws()
    {
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(30, 2), [new(4, 8, "a")], ["a"], drift: DriftModel.ConstantOnly);
        using var bold = Wiggle(30, 2);
        using var fit = FirstLevelGlm.Fit(bold, design);
        Assert.Throws<ArgumentException>(() => fit.TStatistic([1.0]));
        Assert.Throws<ArgumentException>(() => fit.TStatistic([0.0, 0.0]));
        Assert.Throws<ArgumentException>(() => fit.TStatistic([double.NaN, 0.0]));
    }

    internal static Tensor LoadBold(string fixture)
    {
        var (data, shape) = ReadNpy(FixturePath(fixture));
        return tensor(data, [shape[0], shape[1]]);
    }

    /// <summary>Deterministic, irregular test data <c>[scans, voxels]</c>, float64, around 100.</summary>
    internal static Tensor Wiggle(int scans, int voxels)
    {
        using var scope = NewDisposeScope();
        var index = arange(scans * voxels, ScalarType.Float64).reshape(scans, voxels);
        return ((index * 0.37).sin() * 3 + (index * 0.11).cos() + 100).MoveToOuterDisposeScope();
    }

    private static void AssertRelativeClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double relative = Math.Abs(actual[i] - expected[i]) / Math.Abs(expected[i]);
            Assert.True(relative <= RelativeVarianceTolerance, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}.");
        }
    }
}
