using System.Globalization;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.Rsa;
using NeuroLab.Compute.Tests.EncodingModels;
using NeuroLab.Data.Runs;

namespace NeuroLab.Compute.Tests.Rsa;

/// <summary>
/// The rsa kind on the Kriegeskorte 92-image sample with no parameters: the subject-mean human-IT RDM against the
/// published model RDMs reproduces the Kendall tau-a values METHODS.md lists (measured there with scipy 1.10.1/numpy
/// 1.24.2 on the same files), and the network stages computed from the 92 images join the comparison.
/// </summary>
public sealed class RsaJobTests : IAsyncLifetime
{
    private RunHarness _h = default!;

    public async Task InitializeAsync() => _h = await RunHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task K92_NoParameters_ReproducesPublishedTauAAndCeiling()
    {
        var k92 = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "kriegeskorte-92");

        var run = await _h.RunToEndAsync(k92, RunKindNames.Rsa, new { }, seed: 1, timeout: TimeSpan.FromMinutes(8));

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var summary = Assert.IsType<RsaSummary>(_h.Runs.Kinds.Get(RunKindNames.Rsa).ReadSummary(run.SummaryJson));
        var brain = Assert.Single(summary.Brains);
        Assert.Equal("hIT", brain.Name);
        Assert.Equal(4, brain.Subjects);
        Assert.Equal(92, summary.Stimuli);
        Assert.Equal([RsaChoices.KendallTauA, RsaChoices.Spearman], summary.Methods);
        Assert.Contains(summary.Models, m => m.Name == "animacy");
        Assert.Contains(summary.Models, m => m.Name == "pixels");

        // METHODS.md (scipy/numpy on the subject-mean hIT RDM, Kendall tau-a): ceiling [0.258, 0.476]; animacy 0.340,
        // monkey IT 0.304, HMAX 0.149, V1 0.026. Stated to 3 decimals there, so within 0.0006 here.
        double Tau(string model) => summary.Comparisons.Single(c => c.Model == model && c.Brain == "hIT" && c.Method == RsaChoices.KendallTauA).Value;
        Assert.Equal(0.340, Tau("animacy"), 0.0006);
        Assert.Equal(0.304, Tau("monkeyIT"), 0.0006);
        Assert.Equal(0.149, Tau("HMAX"), 0.0006);
        Assert.Equal(0.026, Tau("V1"), 0.0006);
        var ceiling = summary.Ceilings.Single(c => c.Brain == "hIT" && c.Method == RsaChoices.KendallTauA);
        Assert.Equal(0.258, ceiling.Lower, 0.0006);
        Assert.Equal(0.476, ceiling.Upper, 0.0006);
        Assert.Equal("both", summary.Bootstrap);
        Assert.All(summary.Comparisons.Where(c => double.IsFinite(c.Value)), c => Assert.InRange(c.Value, c.CiLow, c.CiHigh));

        foreach (var c in summary.Comparisons.Where(c => c.Method == RsaChoices.KendallTauA))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"k92 hIT tau-a {c.Model,-28} {c.Value:0.000} [{c.CiLow:0.000}, {c.CiHigh:0.000}]"));
        }

        // The artifacts anyone can recompute from.
        var rows = (await _h.ArtifactTextAsync(run.Id, "comparisons.csv")).Trim().Split('\n');
        Assert.Equal("model,brain,method,value,ci_low,ci_high", rows[0]);
        Assert.Equal(summary.Models.Length * 2 + 1, rows.Length);
        var animacyRow = rows.Single(r => r.StartsWith("animacy,hIT,kendall-tau-a,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(Tau("animacy"), double.Parse(animacyRow[3], CultureInfo.InvariantCulture), 1e-5);
        var ceilingRows = (await _h.ArtifactTextAsync(run.Id, "noise_ceiling.csv")).Trim().Split('\n');
        Assert.Equal("brain,method,lower,upper", ceilingRows[0]);
        Assert.Equal(3, ceilingRows.Length);
        var hit = await _h.ArtifactAsync(run.Id, brain.File);
        Assert.Equal([92L, 92], hit.Shape);
        var square = hit.ToFloat64();
        Assert.Equal(square[1 * 92 + 5], square[5 * 92 + 1]);
        Assert.Equal(0, square[7 * 92 + 7]);
        foreach (var model in summary.Models)
        {
            Assert.Equal([92L, 92], (await _h.ArtifactAsync(run.Id, model.File)).Shape);
        }
        Assert.StartsWith("model,brain,method,lower,upper,geodesic,value", await _h.ArtifactTextAsync(run.Id, "trsa.csv"), StringComparison.Ordinal);
        Assert.StartsWith("rdm,index,x,y", await _h.ArtifactTextAsync(run.Id, "mds.csv"), StringComparison.Ordinal);
        Assert.StartsWith("brain,method,model_a,model_b,difference,p,p_fdr", await _h.ArtifactTextAsync(run.Id, "pairwise.csv"), StringComparison.Ordinal);
        Assert.StartsWith("best ", summary.Headline(), StringComparison.Ordinal);
    }
}
