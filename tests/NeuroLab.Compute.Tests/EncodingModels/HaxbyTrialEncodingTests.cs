using System.Text.Json;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.EncodingModels;

/// <summary>
/// Haxby 2001 (subject 1, 12 runs) through the GLM: per-run betas are the response sets' single trials, and a
/// category model fitted on trials of runs 1-10 predicts the betas of runs 11-12.
/// </summary>
public sealed class HaxbyTrialEncodingTests : IAsyncLifetime
{
    private RunHarness _h = default!;
    private Guid _haxby;
    private DatasetDetail _detail = default!;

    public async Task InitializeAsync()
    {
        _h = await RunHarness.StartAsync();
        _haxby = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "haxby2001-sub1");
        _detail = await _h.F.Datasets.GetAsync(_h.F.Alice, _haxby);
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private ResponseSetSummary Set(string mask) => _detail.ResponseSets.Single(r => r.Name.Contains(mask, StringComparison.Ordinal));

    private async Task<(NumericArray Means, NumericArray Trials)> ArraysAsync(ResponseSetSummary summary)
    {
        var set = await _h.F.Datasets.GetResponseSetAsync(_h.F.Alice, _haxby, summary.Id);
        await using var means = _h.F.Store.OpenRead(set.ArraySha256);
        await using var trials = _h.F.Store.OpenRead(set.TrialsSha256!);
        return (NpyReader.Read(means, "responses.npy").ToCOrder(), NpyReader.Read(trials, "trials.npy").ToCOrder());
    }

    [Fact]
    public async Task GlmRunBetas_AreTheTrials_AndAverageToTheFixedEffects()
    {
        foreach (var summary in _detail.ResponseSets)
        {
            Assert.True(summary.HasTrials, summary.Name);
            var (means, trials) = await ArraysAsync(summary);
            Assert.Equal([12, 8, summary.UnitCount], trials.Shape);
            // Every run estimates every condition, so fixed effects are the plain mean of the 12 run betas.
            for (int c = 0; c < 8; c++)
            {
                for (int u = 0; u < summary.UnitCount; u++)
                {
                    double mean = Enumerable.Range(0, 12).Average(r => trials[r, c, u]);
                    Assert.Equal(means[c, u], mean, 1e-4 * Math.Max(1, Math.Abs(mean)));
                }
            }
        }
    }

    [Fact]
    public async Task TrialLevelCategoryModel_MatchesTheClosedForm()
    {
        var set = Set("brain");
        const double alpha = 10;
        var run = await _h.RunToEndAsync(_haxby, new { responseSetId = set.Id, features = "labels", samples = "trials", alphas = new[] { alpha }, permutations = 0 });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        Assert.Equal(80, summary.RootElement.GetProperty("trainStimuli").GetInt32());
        Assert.Equal(16, summary.RootElement.GetProperty("testStimuli").GetInt32());
        Assert.Equal(10, summary.RootElement.GetProperty("trainRepeats").GetInt32());
        Assert.Equal(2, summary.RootElement.GetProperty("testRepeats").GetInt32());

        var (_, trials) = await ArraysAsync(set);
        var predictions = await _h.ArtifactAsync(run.Id, "test_predictions.npy");
        var measured = await _h.ArtifactAsync(run.Id, "test_responses.npy");
        var stimulus = (await _h.ArtifactAsync(run.Id, "test_stimulus_index.npy")).ToFloat64();
        var repeat = (await _h.ArtifactAsync(run.Id, "test_repeat_index.npy")).ToFloat64();
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7], stimulus.Select(v => (int)v));
        Assert.Equal([.. Enumerable.Repeat(10, 8), .. Enumerable.Repeat(11, 8)], repeat.Select(v => (int)v));

        // Closed form: eight balanced one-hot columns, z-scored with divisor n, have X'X = n C where C has 1 on the
        // diagonal and -1/7 off it; on the span of the fit C = (8/7) I, so ridge with an intercept predicts
        // mean + lambda / (lambda + alpha) * (category mean - mean), lambda = 8 n / 7, n = 80 training trials.
        const double lambda = 8.0 * 80 / 7;
        for (int u = 0; u < set.UnitCount; u++)
        {
            double grand = Enumerable.Range(0, 10).SelectMany(r => Enumerable.Range(0, 8).Select(c => trials[r, c, u])).Average();
            for (int i = 0; i < 16; i++)
            {
                int c = (int)stimulus[i];
                double category = Enumerable.Range(0, 10).Average(r => trials[r, c, u]);
                double expected = grand + lambda / (lambda + alpha) * (category - grand);
                Assert.Equal(expected, predictions[i, u], 1e-4 * Math.Max(1, Math.Abs(expected)));
                Assert.Equal(trials[10 + i / 8, c, u], measured[i, u]);
            }
        }
    }

    [Fact]
    public async Task TrialLevelCategoryModel_RealResults()
    {
        // Real data, seeded permutations: category identity predicts the betas of held-out runs 11-12 best in the
        // ventral temporal voxel and worst in white matter (the control), as category-selective cortex should.
        var r = new Dictionary<string, (double MeanR, int Significant, int Units)>();
        foreach (var mask in new[] { "vt", "hoc", "gray", "brain", "white" })
        {
            var set = Set(mask);
            var run = await _h.RunToEndAsync(_haxby, new { responseSetId = set.Id, features = "labels", samples = "trials" }, seed: 7);
            Assert.True(run.Status == RunStatus.Succeeded, run.Error);
            using var summary = JsonDocument.Parse(run.SummaryJson!);
            r[mask] = (summary.RootElement.GetProperty("meanTestR").GetDouble(), summary.RootElement.GetProperty("significantUnits").GetInt32(), set.UnitCount);
            Console.WriteLine($"Haxby trial-level category model, {mask} mask ({set.UnitCount} voxels): mean test r {r[mask].MeanR:0.000}, " +
                $"{r[mask].Significant} significant at FDR 0.05, mean single-trial noise ceiling {summary.RootElement.GetProperty("meanNoiseCeilingPercent").GetDouble():0.0}%");
        }
        // Measured (seed 7, runs 11-12 held out): VT 0.575, occipital 0.200, grey 0.220, brain 0.073, white matter 0.058;
        // the bounds leave a margin below each.
        Assert.True(r["vt"].MeanR > 0.4, $"VT voxel r = {r["vt"].MeanR}");
        Assert.Equal(1, r["vt"].Significant);
        Assert.True(r["hoc"].MeanR > 0.12, $"occipital mean r = {r["hoc"].MeanR}");
        Assert.True(r["gray"].MeanR > 0.12, $"grey mean r = {r["gray"].MeanR}");
        Assert.True(r["hoc"].MeanR > r["white"].MeanR + 0.1, $"occipital {r["hoc"].MeanR} vs white matter {r["white"].MeanR}");
        Assert.True(r["gray"].MeanR > r["white"].MeanR + 0.1, $"grey {r["gray"].MeanR} vs white matter {r["white"].MeanR}");
    }

    [Fact]
    public async Task VoxelMaps_IncludeR2CeilingAndPreferredCategory_OnTheMaskGrid()
    {
        var set = Set("vt");
        var run = await _h.RunToEndAsync(_haxby, new { responseSetId = set.Id, features = "labels", samples = "trials", permutations = 0 });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var artifacts = (await _h.Runs.ArtifactsAsync(_h.F.Alice, run.Id)).Select(a => a.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "test_r.nii.gz", "test_r2.nii.gz", "best_alpha.nii.gz", "noise_ceiling_percent.nii.gz", "fraction_of_ceiling_percent.nii.gz", "preferred_category.nii.gz", "preferred_category_labels.json" }, artifacts);
        // The VT voxel (4, 3, 4): its preferred category over training runs 1-10, computed here from the stored trials.
        var (_, trials) = await ArraysAsync(set);
        string[] conditions = [.. (await _h.F.Datasets.ListStimuliAsync(_h.F.Alice, _haxby)).Select(s => s.Label!)];
        int best = Enumerable.Range(0, 8).MaxBy(c => Enumerable.Range(0, 10).Average(r => trials[r, c, 0]));
        var names = (await _h.ArtifactJsonAsync(run.Id, "preferred_category_labels.json")).Deserialize<Dictionary<string, string>>()!;
        Assert.Equal(conditions.Order(StringComparer.Ordinal), names.OrderBy(n => int.Parse(n.Key, System.Globalization.CultureInfo.InvariantCulture)).Select(n => n.Value));
        NeuroLab.Formats.Nifti.NiftiImage map;
        await using (var stream = await _h.OpenArtifactAsync(run.Id, "preferred_category.nii.gz"))
        {
            map = NeuroLab.Formats.Nifti.NiftiReader.Read(stream, "preferred_category.nii.gz");
        }
        double value = map.Data.GetDouble(4 + 6 * (3 + 10 * 4));
        Assert.Equal(conditions[best], names[((int)value).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        // Over runs 1-10 the VT voxel prefers shoes (over all 12 runs, scissors: see SampleImportTests).
        Assert.Equal("shoe", conditions[best]);
    }

    [Fact]
    public async Task Validation_NamesTrialAndLabelProblems()
    {
        var brain = Set("brain");
        var tooMany = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, _haxby, "encoding-ridge",
            JsonSerializer.SerializeToElement(new { responseSetId = brain.Id, features = "labels", samples = "trials", testRepeats = 12 })));
        Assert.Contains(tooMany.Problems, p => p.Contains("testRepeats must be between 1 and 11", StringComparison.Ordinal));
        var folds = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, _haxby, "encoding-ridge",
            JsonSerializer.SerializeToElement(new { responseSetId = brain.Id, features = "labels", samples = "trials", folds = 11 })));
        Assert.Contains(folds.Problems, p => p.Contains("10 training repeats are too few for 11-fold", StringComparison.Ordinal));
        var images = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, _haxby, "encoding-ridge",
            JsonSerializer.SerializeToElement(new { responseSetId = brain.Id, features = "gabor", samples = "trials" })));
        Assert.Contains(images.Problems, p => p.Contains("no image", StringComparison.Ordinal));
        var unknown = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, _haxby, "encoding-ridge",
            JsonSerializer.SerializeToElement(new { responseSetId = brain.Id, features = "labels", samples = "blocks" })));
        Assert.Contains(unknown.Problems, p => p.Contains("Unknown samples 'blocks'", StringComparison.Ordinal));

        // Allen V1: no single trials attached and no labels.
        var allen = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "allen-v1");
        var neurons = (await _h.F.Datasets.GetAsync(_h.F.Alice, allen)).ResponseSets[0];
        var noTrials = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, allen, "encoding-ridge",
            JsonSerializer.SerializeToElement(new { responseSetId = neurons.Id, features = "labels", samples = "trials" })));
        Assert.Contains(noTrials.Problems, p => p.Contains("has no single trials", StringComparison.Ordinal));
        Assert.Contains(noTrials.Problems, p => p.Contains("have no label", StringComparison.Ordinal));
    }
}
