using System.Text.Json;
using NeuroLab.Analysis.Glm;
using static NeuroLab.Analysis.Tests.Glm.GlmFixtures;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Glm;

public sealed class MultiRunGlmTests
{
    // Reference: per-run numpy 1.24.2 lstsq without the empty column, then the mean over the runs that
    // estimate each condition and sum(var) / m^2 (glm_reference.py, "multi_run").
    private const double Tolerance = 1e-6;

    [Fact]
    public void Fit_TwoRunsOneMissingCondition_MatchesReference()
    {
        var r = Reference.GetProperty("multi_run");
        var conditions = Strings(r.GetProperty("conditions"));
        var runs = Runs(r, conditions).ToList();
        using var fit = MultiRunGlm.Fit(runs, conditions);
        runs.ForEach(run => run.Bold.Dispose());

        Assert.Equal(conditions, fit.Conditions);
        Assert.Equal([2, 2, 1], fit.RunsPerCondition);
        for (int run = 0; run < 2; run++)
        {
            var expected = r.GetProperty("runs")[run];
            Assert.Equal([3L, 20L], fit.RunBetas[run].shape);
            AssertAllClose(Flat(Matrix(expected.GetProperty("betas"))), fit.RunBetas[run].data<double>().ToArray(), Tolerance, $"run {run} betas");
            AssertAllClose(Flat(Matrix(expected.GetProperty("beta_variance"))), fit.RunBetaVariances[run].data<double>().ToArray(), Tolerance, $"run {run} variance");
        }
        Assert.Equal([3L, 20L], fit.Betas.shape);
        AssertAllClose(Flat(Matrix(r.GetProperty("fixed_effects_betas"))), fit.Betas.data<double>().ToArray(), Tolerance, "fixed-effects betas");
        AssertAllClose(Flat(Matrix(r.GetProperty("fixed_effects_variance"))), fit.BetaVariance.data<double>().ToArray(), Tolerance, "fixed-effects variance");
    }

    [Fact]
    public void Fit_LazyRuns_AreReadOnceAndMayBeDisposedAfterUse()
    {
        var r = Reference.GetProperty("multi_run");
        var conditions = Strings(r.GetProperty("conditions"));
        var disposed = new List<Tensor>();
        IEnumerable<(Tensor, DesignMatrix)> Stream()
        {
            foreach (var (bold, design) in Runs(r, conditions))
            {
                using var owned = bold;
                yield return (owned, design);
                disposed.Add(owned);
            }
        }
        using var fit = MultiRunGlm.Fit(Stream(), conditions);
        Assert.Equal(2, disposed.Count);
        AssertAllClose(Flat(Matrix(r.GetProperty("fixed_effects_betas"))), fit.Betas.data<double>().ToArray(), Tolerance, "fixed-effects betas");
    }

    [Fact]
    public void Fit_DesignWithOtherConditions_ThrowsNamingRun()
    {
        double[] frames = DesignMatrix.FrameTimes(40, 2);
        var first = DesignMatrix.Build(frames, [new(4, 8, "a"), new(30, 8, "b")], ["a", "b"]);
        var second = DesignMatrix.Build(frames, [new(4, 8, "a"), new(30, 8, "b")], ["b", "a"]);
        using var bold = FirstLevelGlmTests.Wiggle(40, 3);
        var error = Assert.Throws<ArgumentException>(() => MultiRunGlm.Fit([(bold, first), (bold, second)], ["a", "b"]));
        Assert.Contains("Run 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_DifferentVoxelCounts_Throws()
    {
        var design = DesignMatrix.Build(DesignMatrix.FrameTimes(40, 2), [new(4, 8, "a")], ["a"]);
        using var three = FirstLevelGlmTests.Wiggle(40, 3);
        using var four = FirstLevelGlmTests.Wiggle(40, 4);
        var error = Assert.Throws<ArgumentException>(() => MultiRunGlm.Fit([(three, design), (four, design)], ["a"]));
        Assert.Contains("4 voxels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_NoRuns_Throws()
    {
        Assert.Throws<ArgumentException>(() => MultiRunGlm.Fit([], ["a"]));
    }

    private static IEnumerable<(Tensor Bold, DesignMatrix Design)> Runs(JsonElement r, string[] conditions)
    {
        foreach (var run in r.GetProperty("runs").EnumerateArray())
        {
            var design = DesignMatrix.Build(
                DesignMatrix.FrameTimes(r.GetProperty("scans").GetInt32(), r.GetProperty("tr").GetDouble()),
                Events(run.GetProperty("events")),
                conditions,
                drift: DriftModel.Cosine(r.GetProperty("high_pass").GetDouble()),
                oversampling: r.GetProperty("oversampling").GetInt32(),
                includeEmptyConditions: true);
            Assert.Equal(Strings(run.GetProperty("columns")), design.ColumnNames);
            yield return (FirstLevelGlmTests.LoadBold(run.GetProperty("bold").GetString()!), design);
        }
    }
}
