using System.Globalization;
using NeuroLab.Compute.Datasets;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.Rsa;
using NeuroLab.Compute.Tests.EncodingModels;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

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

    [Fact]
    public async Task UploadedPatternsWithRuns_Crossnobis_RecoversTheTrueGeometry()
    {
        // 6 conditions x 40 units measured in 6 runs with independent noise (a quarter of the signal's spread); the model RDM holds the true squared
        // distances, a second model the same values shuffled across pairs.
        const int conditions = 6, units = 40, runs = 6;
        var random = new Random(7);
        var truth = new double[conditions * units];
        for (int i = 0; i < truth.Length; i++)
        {
            truth[i] = random.NextDouble() * 2 - 1;
        }
        var trials = new float[runs * conditions * units];
        for (int i = 0; i < trials.Length; i++)
        {
            trials[i] = (float)(truth[i % (conditions * units)] + (random.NextDouble() - 0.5) / 2);
        }
        var means = new float[conditions * units];
        for (int i = 0; i < means.Length; i++)
        {
            means[i] = (float)Enumerable.Range(0, runs).Average(r => trials[r * conditions * units + i]);
        }
        var distances = new List<double>();
        for (int a = 0; a < conditions; a++)
        {
            for (int b = a + 1; b < conditions; b++)
            {
                distances.Add(Enumerable.Range(0, units).Sum(u => Math.Pow(truth[a * units + u] - truth[b * units + u], 2)) / units);
            }
        }
        var folder = Directory.CreateTempSubdirectory("rsa-upload-").FullName;
        try
        {
            string Save(string name, long[] shape, Array values)
            {
                var path = Path.Combine(folder, name);
                NpyWriter.Write(path, new NumericArray(values is float[] ? NumericType.Float32 : NumericType.Float64, shape, values));
                return path;
            }
            var shuffled = distances.OrderBy(_ => random.Next()).ToArray();
            var id = await _h.F.Importer.ImportAsync(new DatasetImportRequest(_h.F.WorkspaceId, _h.F.Alice, "Patterns", null, DatasetSpace.None,
            [
                new ImportSource("responses.npy", FileRole.Responses, Save("responses.npy", [conditions, units], means)),
                new ImportSource("trials.npy", FileRole.Trials, Save("trials.npy", [runs, conditions, units], trials)),
                new ImportSource("truth.npy", FileRole.ModelRdm, Save("truth.npy", [distances.Count], distances.ToArray())),
                new ImportSource("shuffled.npy", FileRole.ModelRdm, Save("shuffled.npy", [distances.Count], shuffled)),
            ]));

            var run = await _h.RunToEndAsync(id, RunKindNames.Rsa, new { distance = "crossnobis", methods = new[] { "pearson" }, bootstrap = "none" });

            Assert.True(run.Status == RunStatus.Succeeded, run.Error);
            var summary = Assert.IsType<RsaSummary>(_h.Runs.Kinds.Get(RunKindNames.Rsa).ReadSummary(run.SummaryJson));
            var brain = Assert.Single(summary.Brains);
            Assert.Contains("crossnobis", brain.Source, StringComparison.Ordinal);
            double Value(string model) => summary.Comparisons.Single(c => c.Model == model).Value;
            // Cross-validated distances are unbiased estimates of the true ones; whitening by a noise covariance estimated from 30
            // residual rows of 40 units (shrunk) bends them a little: 0.89 here, against about 0 for a mix-up of conditions or runs.
            Assert.InRange(Value("truth"), 0.8, 1.0);
            Assert.True(Value("shuffled") < Value("truth") - 0.3, $"shuffled {Value("shuffled")}, truth {Value("truth")}");
            Assert.Equal("none", summary.Bootstrap);
            Assert.All(summary.Comparisons, c => Assert.True(double.IsNaN(c.CiLow)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task AllenV1_NeuronsAgainstPixels_PatternRdmAndCka()
    {
        // A dataset without RDM files: its response set (212 neurons x 118 scenes) becomes the brain RDM, and with
        // patterns on both sides the run adds CKA between the pixels and the neurons.
        var allen = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "allen-v1");

        var run = await _h.RunToEndAsync(allen, RunKindNames.Rsa, new { features = new[] { "pixels" }, resamples = 20 });

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var summary = Assert.IsType<RsaSummary>(_h.Runs.Kinds.Get(RunKindNames.Rsa).ReadSummary(run.SummaryJson));
        var brain = Assert.Single(summary.Brains);
        Assert.Contains("response set", brain.Source, StringComparison.Ordinal);
        Assert.Equal(118, summary.Stimuli);
        var rows = (await _h.ArtifactTextAsync(run.Id, "cka.csv")).Trim().Split('\n');
        Assert.Equal("model,brain,kind,value", rows[0]);
        Assert.Equal(3, rows.Length);
        Assert.All(rows.Skip(1), r => Assert.InRange(double.Parse(r.Split(',')[3], CultureInfo.InvariantCulture), 0, 1));
        Assert.Contains(rows, r => r.StartsWith("pixels,", StringComparison.Ordinal) && r.Contains(",linear,", StringComparison.Ordinal));
    }
}
