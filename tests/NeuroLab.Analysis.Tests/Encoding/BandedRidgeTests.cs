using NeuroLab.Analysis.Encoding;
using static NeuroLab.Analysis.Tests.Encoding.RidgeFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Encoding;

/// <summary>
/// BandedRidge against ridge_reference.py's banded case: for each explicit band-weight candidate the closed-form
/// ridge of [sqrt(g1) X1, sqrt(g2) X2] (numpy 1.24.2 np.linalg.solve), the same choice rule, and himalaya's
/// r2_score_split formula written out in numpy.
/// </summary>
public sealed class BandedRidgeTests
{
    [Theory]
    [InlineData(RidgePrecision.Double, 1e-9)]
    [InlineData(RidgePrecision.Single, 1e-4)]
    public void Fit_ExplicitCandidates_MatchesReference(RidgePrecision precision, double tolerance)
    {
        var c = Reference.GetProperty("banded");
        using var scope = NewDisposeScope();
        using var result = FitReference(precision);
        var candidates = c.GetProperty("candidates").EnumerateArray().ToList();
        for (int k = 0; k < candidates.Count; k++)
        {
            AssertClose(Matrix(c.GetProperty("cv")[k]), result.CvScores[k], tolerance, $"CV scores of candidate {k}");
        }
        Assert.True(Doubles(c.GetProperty("fragility")).Min() >= 5e-7);
        Assert.Equal(Ints(c.GetProperty("best_candidate")), result.BestCandidate);
        Assert.Equal(Ints(c.GetProperty("best_alpha")), result.BestAlphaIndex);
        var weights = Matrix(c.GetProperty("weights"));
        for (int u = 0; u < weights.shape[1]; u++)
        {
            var w = weights[.., u];
            double scale = w.abs().max().item<double>();
            AssertClose(w / scale, result.Weights[.., u] / scale, tolerance, $"weights of unit {u} (relative)");
        }
        AssertCloseValues(Doubles(c.GetProperty("intercepts")), result.Intercepts, tolerance * 10, "intercepts");
        AssertCloseValues(Doubles(c.GetProperty("r")), result.TestR, tolerance, "test r");
        AssertCloseValues(Doubles(c.GetProperty("r2")), result.TestR2, tolerance, "test R2");
        AssertClose(Matrix(c.GetProperty("split")), result.BandR2, tolerance, "split R2");
        // Candidate 3 is [1, 0]: the second band is left out.
        int unit = result.BestCandidate.ToList().IndexOf(3);
        Assert.True(unit >= 0);
        Assert.Equal(0.0, result.Weights[5.., unit].abs().max().to_type(ScalarType.Float64).item<double>());
        Assert.Equal(double.PositiveInfinity, result.EffectiveAlpha(1, unit));
        Assert.Equal(result.BestAlpha[unit], result.EffectiveAlpha(0, unit), 12);
    }

    [Fact]
    public void Fit_OneBand_EqualsPlainRidge()
    {
        var c = RidgeCase("small");
        using var scope = NewDisposeScope();
        var xtr = Matrix(c.GetProperty("xtr"));
        var ytr = Matrix(c.GetProperty("ytr"));
        var xte = Matrix(c.GetProperty("xte"));
        var yte = Matrix(c.GetProperty("yte"));
        var alphas = Doubles(c.GetProperty("alphas"));
        using var plain = RidgeCv.Fit(xtr, ytr, xte, yte, new RidgeCvOptions { Alphas = alphas, Precision = RidgePrecision.Double });
        using var banded = BandedRidge.Fit([xtr], ytr, [xte], yte, new BandedRidgeOptions { Alphas = alphas, Precision = RidgePrecision.Double });
        Assert.Single(banded.BandWeights);
        AssertClose(plain.CvScores, banded.CvScores[0], 1e-12, "CV scores");
        Assert.Equal(plain.BestAlphaIndex, banded.BestAlphaIndex);
        AssertClose(plain.Weights!, banded.Weights, 1e-12, "weights");
        AssertClose(plain.TestPredictions!, banded.TestPredictions, 1e-10, "test predictions");
        AssertCloseValues(plain.TestR, banded.TestR, 1e-12, "test r");
        // With one band the split R^2 is the test R^2 of the prediction with its test-set mean offset removed.
        var y = yte - yte.mean([0L], keepdim: true);
        var p = banded.TestPredictions - banded.TestPredictions.mean([0L], keepdim: true);
        var sst = y.square().sum(dim: 0L);
        var expected = where(sst.le(0), zeros_like(sst), 1 - ((y - p).square().sum(dim: 0L) / sst));
        AssertClose(expected, banded.BandR2[0], 1e-10, "split R2 of the single band");
        AssertClose(plain.Predict(xte), banded.Predict([xte]), 1e-10, "predictions of new data");
    }

    [Fact]
    public void Fit_SampledCandidates_AreSeededDirichletDraws()
    {
        var c = Reference.GetProperty("banded");
        using var scope = NewDisposeScope();
        var (train, ytr, test, yte) = BandedData(c);
        var options = new BandedRidgeOptions { Alphas = [1, 100], Candidates = 6, Seed = 3, Concentration = 0.5 };
        var progress = new Recorder<RidgeProgress>();
        using var first = BandedRidge.Fit(train, ytr, test, yte, options, progress);
        using var again = BandedRidge.Fit(train, ytr, test, yte, options);
        Assert.Equal(6, first.BandWeights.Count);
        Assert.Equal([0.5, 0.5], first.BandWeights[0]);
        foreach (var weights in first.BandWeights)
        {
            Assert.Equal(1.0, weights.Sum(), 12);
            Assert.All(weights, w => Assert.InRange(w, 0, 1));
        }
        Assert.Equal(first.BandWeights.SelectMany(w => w), again.BandWeights.SelectMany(w => w));
        Assert.Equal(first.BestCandidate, again.BestCandidate);
        Assert.NotEqual(first.BandWeights[1], first.BandWeights[2]);
        Assert.Equal(6, progress.Reports.Count(p => p.Stage == RidgeStage.Decomposing && p.Step == p.Total));
        Assert.Equal(new RidgeProgress(RidgeStage.Testing, 5, 5, 5, 6), progress.Reports[^1]);
    }

    [Fact]
    public void Fit_BadBands_Throw()
    {
        var c = Reference.GetProperty("banded");
        using var scope = NewDisposeScope();
        var (train, ytr, test, yte) = BandedData(c);
        Assert.Throws<ArgumentException>(() => BandedRidge.Fit([], ytr, [], yte));
        Assert.Throws<ArgumentException>(() => BandedRidge.Fit(train, ytr, [test[0]], yte));
        Assert.Throws<ArgumentException>(() => BandedRidge.Fit(train, ytr, [test[0], test[0]], yte));
        Assert.Throws<ArgumentException>(() => BandedRidge.Fit(train, ytr, test, yte, new BandedRidgeOptions { BandWeights = [[0, 0]] }));
        Assert.Throws<ArgumentException>(() => BandedRidge.Fit(train, ytr, test, yte, new BandedRidgeOptions { BandWeights = [[1, 2, 3]] }));
    }

    private static BandedRidgeResult FitReference(RidgePrecision precision)
    {
        var c = Reference.GetProperty("banded");
        var (train, ytr, test, yte) = BandedData(c);
        var work = precision == RidgePrecision.Double ? ScalarType.Float64 : ScalarType.Float32;
        var options = new BandedRidgeOptions
        {
            Alphas = Doubles(c.GetProperty("alphas")),
            BandWeights = [.. c.GetProperty("candidates").EnumerateArray().Select(Doubles)],
            Precision = precision,
        };
        return BandedRidge.Fit(train, ytr.to_type(work), test, yte.to_type(work), options);
    }

    private static (Tensor[] Train, Tensor YTrain, Tensor[] Test, Tensor YTest) BandedData(System.Text.Json.JsonElement c)
    {
        int n = c.GetProperty("n_train").GetInt32();
        var x1 = Matrix(c.GetProperty("x1"));
        var x2 = Matrix(c.GetProperty("x2"));
        var y = Matrix(c.GetProperty("y"));
        long rows = y.shape[0];
        return ([x1[..n], x2[..n]], y[..n], [x1[n..(int)rows], x2[n..(int)rows]], y[n..(int)rows]);
    }
}
