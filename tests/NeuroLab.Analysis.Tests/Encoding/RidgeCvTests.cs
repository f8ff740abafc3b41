using System.Text.Json;
using NeuroLab.Analysis.Encoding;
using static NeuroLab.Analysis.Tests.Encoding.RidgeFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Encoding;

/// <summary>
/// RidgeCv against ridge_reference.py: explicit closed-form solves (np.linalg.solve of (Xc'Xc + alpha I) w = Xc'y per
/// fold and alpha, numpy 1.24.2 float64) with explicit held-out predictions, scored per unit.
/// </summary>
public sealed class RidgeCvTests
{
    // float64 path: agreement to rounding (measured <= 3e-13). float32 path: 1e-4 relative (weights relative to each
    // unit's largest weight; measured <= 2e-5).
    private const double DoubleTolerance = 1e-9;
    private const double SingleTolerance = 1e-4;

    public static TheoryData<string, RidgePrecision> Cases()
    {
        var data = new TheoryData<string, RidgePrecision>();
        foreach (var name in new[] { "small", "small_r2", "shuffled_r2_no_intercept", "wide", "duplicate_column", "dummies_no_intercept", "dummies_centred" })
        {
            data.Add(name, RidgePrecision.Double);
            data.Add(name, RidgePrecision.Single);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fit_ReferenceCase_MatchesClosedForm(string name, RidgePrecision precision)
    {
        var c = RidgeCase(name);
        double tolerance = precision == RidgePrecision.Double ? DoubleTolerance : SingleTolerance;
        using var scope = NewDisposeScope();
        using var result = FitCase(c, precision);

        AssertClose(Matrix(c.GetProperty("cv")), result.CvScores, tolerance, $"{name} CV scores");
        int[] expectedBest = Ints(c.GetProperty("best"));
        double[] fragility = Doubles(c.GetProperty("fragility"));
        var expectedWeights = Matrix(c.GetProperty("weights"));
        var expectedPredictions = Matrix(c.GetProperty("pred"));
        double[] expectedIntercepts = Doubles(c.GetProperty("intercepts"));
        double[] expectedR = Doubles(c.GetProperty("r"));
        double[] expectedR2 = Doubles(c.GetProperty("r2"));
        for (int u = 0; u < expectedBest.Length; u++)
        {
            // No score lies within rounding of the tie cut-off (best - 1e-6), so the choice of alpha is well defined;
            // the dummy cases hold exact ties (r does not depend on alpha there), all resolved to the first alpha.
            Assert.True(fragility[u] >= 5e-7, $"{name} unit {u} is too close to the tie cut-off to compare");
            Assert.Equal(expectedBest[u], result.BestAlphaIndex[u]);
            var w = expectedWeights[.., u];
            double scale = Math.Max(w.abs().max().item<double>(), 1e-12);
            AssertClose(w / scale, result.Weights![.., u] / scale, tolerance, $"{name} weights of unit {u} (relative)");
            double predictionScale = Math.Max(expectedPredictions[.., u].abs().max().item<double>(), 1);
            AssertClose(expectedPredictions[.., u] / predictionScale, result.TestPredictions![.., u] / predictionScale, tolerance, $"{name} test predictions of unit {u}");
            Assert.True(Math.Abs(expectedIntercepts[u] - result.Intercepts[u]) <= tolerance * Math.Max(1, Math.Abs(expectedIntercepts[u])), $"{name} intercept {u}");
            Assert.True(Math.Abs(expectedR[u] - result.TestR[u]) <= tolerance, $"{name} test r {u}: {expectedR[u]} vs {result.TestR[u]}");
            Assert.True(Math.Abs(expectedR2[u] - result.TestR2[u]) <= tolerance, $"{name} test R2 {u}: {expectedR2[u]} vs {result.TestR2[u]}");
        }
        Assert.Equal(Ints(c.GetProperty("fold_of_sample")), result.FoldOfSample);
    }

    [Fact]
    public void Fit_ConstantUnit_ScoresZeroWithInterceptOnly()
    {
        using var result = FitCase(RidgeCase("small"), RidgePrecision.Single);
        Assert.Equal(0, result.BestAlphaIndex[5]);
        Assert.Equal(0.0, result.CvScores[.., 5].abs().max().item<double>());
        Assert.Equal(0.0, result.Weights![.., 5].abs().max().item<float>());
        Assert.Equal(3.25, result.Intercepts[5], 5);
        Assert.Equal(0.0, result.TestR[5]);
        Assert.Equal(0.0, result.TestR2[5]);
    }

    [Fact]
    public void Fit_AllenV1RawPixels_MatchesNumpyPipeline()
    {
        // Allen Brain Observatory VISp, 100 training / 18 test scenes (31x31 pixels) -> 212 neurons.
        var allen = Reference.GetProperty("allen");
        using var scope = NewDisposeScope();
        var xtr = SharedNpy("allen-v1/Allen_train_input.npy");
        var ytr = SharedNpy("allen-v1/Allen_train_output.npy");
        var xte = SharedNpy("allen-v1/Allen_test_input.npy");
        var yte = SharedNpy("allen-v1/Allen_test_output.npy");
        var options = new RidgeCvOptions { Alphas = Doubles(allen.GetProperty("alphas")) };
        using var result = RidgeCv.Fit(xtr, ytr.to_type(ScalarType.Float32), xte, yte.to_type(ScalarType.Float32), options);

        Assert.Equal(212, result.TestR.Count);
        Assert.Equal(allen.GetProperty("mean_r").GetDouble(), result.MeanTestR, 1e-4);
        AssertCloseValues(Doubles(allen.GetProperty("cv_mean")), result.CvScores.mean([1L]).data<double>().ToArray(), 1e-4, "Allen mean CV score per alpha");
        int[] best = Ints(allen.GetProperty("best"));
        double[] fragility = Doubles(allen.GetProperty("fragility"));
        double[] r = Doubles(allen.GetProperty("r"));
        int compared = 0;
        for (int u = 0; u < best.Length; u++)
        {
            if (fragility[u] < 1e-5)
            {
                continue;
            }
            compared++;
            Assert.Equal(best[u], result.BestAlphaIndex[u]);
            Assert.True(Math.Abs(r[u] - result.TestR[u]) <= 1e-4, $"unit {u}: test r {r[u]} vs {result.TestR[u]}");
        }
        Assert.True(compared > 200, $"only {compared} units had a clear CV winner");
    }

    [Fact]
    public void Fit_BatchSizeAndSource_DoNotChangeResults()
    {
        var c = RidgeCase("small");
        using var scope = NewDisposeScope();
        using var whole = FitCase(c, RidgePrecision.Double);
        var ytr = Matrix(c.GetProperty("ytr"));
        var yte = Matrix(c.GetProperty("yte"));
        var options = Options(c, RidgePrecision.Double) with { UnitBatchSize = 4 };
        using var batched = RidgeCv.Fit(
            Matrix(c.GetProperty("xtr")), ResponseSource.FromArray(ytr.data<double>().ToArray(), 60, 6),
            Matrix(c.GetProperty("xte")), ResponseSource.FromArray(yte.to_type(ScalarType.Float32).data<float>().ToArray(), 20, 6), options);
        AssertClose(whole.CvScores, batched.CvScores, 1e-12, "CV scores");
        AssertClose(whole.Weights!, batched.Weights!, 1e-10, "weights");
        Assert.Equal(whole.BestAlphaIndex, batched.BestAlphaIndex);
    }

    [Fact]
    public void Fit_ProgressAndBatchCallback_ReportEveryFoldAndUnit()
    {
        var c = RidgeCase("small");
        var batches = new List<(int First, int Count, long Features)>();
        var recorder = new Recorder<RidgeProgress>();
        var options = Options(c, RidgePrecision.Single) with
        {
            UnitBatchSize = 4,
            KeepWeights = false,
            KeepTestPredictions = false,
            BatchCompleted = b => batches.Add((b.FirstUnit, b.Count, b.Weights.shape[0])),
        };
        using var scope = NewDisposeScope();
        using var result = RidgeCv.Fit(Matrix(c.GetProperty("xtr")), Matrix(c.GetProperty("ytr")), Matrix(c.GetProperty("xte")), Matrix(c.GetProperty("yte")), options, recorder);

        Assert.Null(result.Weights);
        Assert.Null(result.TestPredictions);
        Assert.Equal([(0, 4, 8L), (4, 2, 8L)], batches);
        Assert.Equal(
            [.. Enumerable.Range(1, 6).Select(s => new RidgeProgress(RidgeStage.Decomposing, s, 6)), new RidgeProgress(RidgeStage.FittingUnits, 4, 6), new RidgeProgress(RidgeStage.FittingUnits, 6, 6)],
            recorder.Reports);
        Assert.Throws<InvalidOperationException>(() => result.Predict(Matrix(c.GetProperty("xte"))));
    }

    [Fact]
    public void Fit_CancelledAfterFirstBatch_Throws()
    {
        var c = RidgeCase("small");
        using var cts = new CancellationTokenSource();
        var recorder = new Recorder<RidgeProgress>(p =>
        {
            if (p.Stage == RidgeStage.FittingUnits)
            {
                cts.Cancel();
            }
        });
        using var scope = NewDisposeScope();
        Assert.Throws<OperationCanceledException>(() => RidgeCv.Fit(
            Matrix(c.GetProperty("xtr")), Matrix(c.GetProperty("ytr")), Matrix(c.GetProperty("xte")), Matrix(c.GetProperty("yte")),
            Options(c, RidgePrecision.Single) with { UnitBatchSize = 2 }, recorder, cts.Token));
        Assert.Single(recorder.Reports, p => p.Stage == RidgeStage.FittingUnits);
    }

    [Fact]
    public void Predict_TestFeatures_EqualsTestPredictions()
    {
        var c = RidgeCase("wide");
        using var scope = NewDisposeScope();
        using var result = FitCase(c, RidgePrecision.Single);
        AssertClose(result.TestPredictions!, result.Predict(Matrix(c.GetProperty("xte"))), 1e-4, "predictions");
    }

    [Fact]
    public void Fit_BadInputs_ThrowWithReason()
    {
        var c = RidgeCase("small");
        using var scope = NewDisposeScope();
        var xtr = Matrix(c.GetProperty("xtr"));
        var ytr = Matrix(c.GetProperty("ytr"));
        var xte = Matrix(c.GetProperty("xte"));
        var yte = Matrix(c.GetProperty("yte"));
        var withNaN = ytr.clone();
        withNaN[7, 3] = tensor(double.NaN);
        var e = Assert.Throws<ArgumentException>(() => RidgeCv.Fit(xtr, withNaN, xte, yte));
        Assert.Contains("unit 3", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RidgeCv.Fit(xtr, ytr.narrow(0, 0, 50), xte, yte));
        Assert.Throws<ArgumentException>(() => RidgeCv.Fit(xtr, ytr, xte.narrow(1, 0, 5), yte));
        Assert.Throws<ArgumentException>(() => RidgeCv.Fit(xtr, ytr, xte, yte.narrow(1, 0, 5)));
        Assert.Throws<ArgumentException>(() => RidgeCv.Fit(xtr, ytr, xte, yte, new RidgeCvOptions { Alphas = [1, 0] }));
        Assert.Throws<ArgumentException>(() => RidgeCv.Fit(xtr, ytr, xte, yte, new RidgeCvOptions { Folds = RidgeFolds.Explicit([.. Enumerable.Repeat(0, 60)]) }));
        Assert.Throws<ArgumentException>(() => RidgeCv.Fit(xtr, ytr, xte, yte, new RidgeCvOptions { Folds = RidgeFolds.Contiguous(61) }));
    }

    [Fact]
    public void Folds_ShuffledSeeded_IsReproduciblePartition()
    {
        using var scope = NewDisposeScope();
        var c = RidgeCase("small");
        var options = Options(c, RidgePrecision.Single) with { Folds = RidgeFolds.Shuffled(4, 123) };
        using var first = RidgeCv.Fit(Matrix(c.GetProperty("xtr")), Matrix(c.GetProperty("ytr")), Matrix(c.GetProperty("xte")), Matrix(c.GetProperty("yte")), options);
        using var second = RidgeCv.Fit(Matrix(c.GetProperty("xtr")), Matrix(c.GetProperty("ytr")), Matrix(c.GetProperty("xte")), Matrix(c.GetProperty("yte")), options);
        Assert.Equal(first.FoldOfSample, second.FoldOfSample);
        Assert.Equal([15, 15, 15, 15], first.FoldOfSample.GroupBy(f => f).OrderBy(g => g.Key).Select(g => g.Count()));
        Assert.NotEqual(Enumerable.Range(0, 60).Select(i => i / 15), first.FoldOfSample);
    }

    internal static RidgeCvOptions Options(JsonElement c, RidgePrecision precision)
    {
        string folds = c.GetProperty("folds").GetString()!;
        return new RidgeCvOptions
        {
            Alphas = Doubles(c.GetProperty("alphas")),
            Folds = folds == "shuffled5_seed7" ? RidgeFolds.Shuffled(5, 7) : RidgeFolds.Contiguous(5),
            FitIntercept = c.GetProperty("intercept").GetBoolean(),
            StandardizeFeatures = c.GetProperty("standardize").GetBoolean(),
            Score = c.GetProperty("score").GetString() == "r2" ? CvScoreKind.RSquared : CvScoreKind.PearsonR,
            Precision = precision,
        };
    }

    /// <summary>Fits a reference case; its tensors live in the caller's dispose scope.</summary>
    private static RidgeCvResult FitCase(JsonElement c, RidgePrecision precision)
    {
        var work = precision == RidgePrecision.Double ? ScalarType.Float64 : ScalarType.Float32;
        return RidgeCv.Fit(
            Matrix(c.GetProperty("xtr")), Matrix(c.GetProperty("ytr")).to_type(work),
            Matrix(c.GetProperty("xte")), Matrix(c.GetProperty("yte")).to_type(work), Options(c, precision));
    }
}
