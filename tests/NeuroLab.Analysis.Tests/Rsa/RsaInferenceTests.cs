using NeuroLab.Analysis.Rsa;
using static NeuroLab.Analysis.Tests.Rsa.RsaFixtures;

namespace NeuroLab.Analysis.Tests.Rsa;

/// <summary>Bootstrap inference: determinism for a seed, coverage on k92, self-pair exclusion, pairwise tests.</summary>
public class RsaInferenceTests
{
    [Fact]
    public void ResampleIndex_RepeatedCondition_SelfPairMissing()
    {
        var map = new int[Rdm.Size(4)];
        RsaInference.ResampleIndex([2, 0, 2, 3], 4, map);
        // New pairs: (0,1)=(2,0) (0,2)=(2,2) (0,3)=(2,3) (1,2)=(0,2) (1,3)=(0,3) (2,3)=(2,3).
        Assert.Equal([Rdm.Index(0, 2, 4), -1, Rdm.Index(2, 3, 4), Rdm.Index(0, 2, 4), Rdm.Index(0, 3, 4), Rdm.Index(2, 3, 4)], map);
    }

    [Fact]
    public void Bootstrap_StimuliWithPerfectModel_SelfPairsNeverScored()
    {
        // Data RDM = the model plus a constant: a self-pair scored as dissimilarity 0 would break the perfect
        // ranking (0 is below every real entry of the data but not of the model), so every resample must give exactly 1.
        var rng = new Random(5);
        var model = Enumerable.Range(0, Rdm.Size(12)).Select(_ => rng.NextDouble()).ToArray();
        var data = model.Select(v => v - 0.5).ToArray();
        var result = RsaInference.Bootstrap([model], [data], RdmComparisonMethod.Spearman, BootstrapOver.Stimuli, 50, 9);
        Assert.Equal(1.0, result.Models[0].CiLow, 12);
        Assert.Equal(0.0, result.Models[0].StandardError, 12);
        Assert.Null(result.Ceiling);
    }

    [Theory]
    [InlineData(BootstrapOver.Stimuli)]
    [InlineData(BootstrapOver.Subjects)]
    [InlineData(BootstrapOver.Both)]
    public void Bootstrap_SameSeed_SameResult(BootstrapOver over)
    {
        var models = K92Models[..3];
        var a = RsaInference.Bootstrap(models, K92Subjects, RdmComparisonMethod.Spearman, over, 20, 42);
        var b = RsaInference.Bootstrap(models, K92Subjects, RdmComparisonMethod.Spearman, over, 20, 42);
        var c = RsaInference.Bootstrap(models, K92Subjects, RdmComparisonMethod.Spearman, over, 20, 43);
        Assert.Equal(a.Models, b.Models);
        Assert.Equal(a.CeilingLower, b.CeilingLower);
        Assert.Equal(a.Pairwise, b.Pairwise);
        Assert.NotEqual(a.Models[0].CiLow, c.Models[0].CiLow);
    }

    [Fact]
    public void Bootstrap_K92StimuliTauA_IntervalsContainFullDataValues()
    {
        var progress = new List<double>();
        var result = RsaInference.Bootstrap(K92Models, K92Subjects, RdmComparisonMethod.KendallTauA, BootstrapOver.Stimuli, 200, 7,
            new SynchronousProgress(progress));
        Assert.Equal(200, result.Resamples);
        Assert.Equal(0.340, Math.Round(result.Models[0].Value, 3));
        foreach (var m in result.Models)
        {
            Assert.InRange(m.Value, m.CiLow, m.CiHigh);
            Assert.True(m.StandardError is > 0 and < 0.1, $"SE {m.StandardError}");
        }
        Assert.NotNull(result.Ceiling);
        Assert.Equal(0.258, Math.Round(result.Ceiling.Lower, 3));
        Assert.InRange(result.Ceiling.Lower, result.CeilingLower!.CiLow, result.CeilingLower.CiHigh);
        Assert.InRange(result.Ceiling.Upper, result.CeilingUpper!.CiLow, result.CeilingUpper.CiHigh);
        Assert.Equal(8 * 7 / 2, result.Pairwise.Count);
        // Animacy (0.340) beats V1 (0.026) on every resample; p is then the smallest possible, 2/(B+1).
        var animacyV1 = result.Pairwise.Single(p => p.ModelA == 0 && p.ModelB == 5);
        Assert.Equal(2.0 / 201, animacyV1.P, 12);
        Assert.All(result.Pairwise, p => Assert.True(p.PFdr >= p.P));
        Assert.Equal(1.0, progress.Max());
    }

    [Theory]
    [InlineData(RdmComparisonMethod.Pearson)]
    [InlineData(RdmComparisonMethod.Cosine)]
    [InlineData(RdmComparisonMethod.WhitenedPearson)]
    public void Bootstrap_BothWithValueMethods_FiniteIntervalsAroundValues(RdmComparisonMethod method)
    {
        var rng = new Random(11);
        var truth = Enumerable.Range(0, Rdm.Size(10)).Select(_ => rng.NextDouble()).ToArray();
        var subjects = Enumerable.Range(0, 4).Select(_ => truth.Select(v => v + (0.2 * rng.NextDouble())).ToArray()).ToArray();
        double[][] models = [truth, [.. truth.Select(_ => rng.NextDouble())]];
        var result = RsaInference.Bootstrap(models, subjects, method, BootstrapOver.Both, 100, 3);
        Assert.Equal(RdmComparison.Compare(models, Rdm.Mean(subjects), method), result.Models.Select(m => m.Value));
        Assert.All(result.Models, m => Assert.True(double.IsFinite(m.CiLow) && m.CiLow <= m.CiHigh));
        Assert.InRange(result.Models[0].Value, result.Models[0].CiLow, result.Models[0].CiHigh);
        Assert.True(result.Pairwise[0].Difference > 0);
        Assert.NotNull(result.CeilingUpper);
    }

    [Fact]
    public void Bootstrap_SubjectsWithOneSubject_Throws() =>
        Assert.Throws<ArgumentException>(() => RsaInference.Bootstrap(K92Models, [K92Subjects[0]], RdmComparisonMethod.Pearson, BootstrapOver.Subjects, 10, 1));

    private sealed class SynchronousProgress(List<double> into) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (into)
            {
                into.Add(value);
            }
        }
    }
}
