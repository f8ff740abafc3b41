using System.Text.Json;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.EncodingHierarchy;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.EncodingModels;

/// <summary>
/// The hierarchy kind: one ridge model per stage on the same samples. Each stage's scores must equal an encoding-ridge
/// run of that feature space with the same seed (an independent path through the ridge kind); the best stage is the
/// argmax; voxel units get a best-stage map and a row per mask in the stage table.
/// </summary>
public sealed class EncodingHierarchyJobTests : IAsyncLifetime
{
    private RunHarness _h = default!;
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-hierarchy-").FullName;

    private ImportFixture F => _h.F;

    public async Task InitializeAsync() => _h = await RunHarness.StartAsync();

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        Directory.Delete(_temp, recursive: true);
    }

    private async Task<double[]> ArrayAsync(RunSummary run, string name)
    {
        var artifact = (await _h.Runs.ArtifactsAsync(F.Alice, run.Id)).Single(a => a.Name == name);
        await using var stream = F.Store.OpenRead(artifact.Sha256);
        return NpyReader.Read(stream, name).ToCOrder().ToFloat64();
    }

    private async Task<double[]> ResponsesAsync(Guid set)
    {
        await using var db = await F.Database.Factory.CreateDbContextAsync();
        var sha = db.ResponseSets.Single(r => r.Id == set).ArraySha256;
        await using var stream = F.Store.OpenRead(sha);
        return NpyReader.Read(stream, "responses").ToCOrder().ToFloat64();
    }

    private static double Pearson(List<double> a, List<double> b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Count; i++)
        {
            (sab, saa, sbb) = (sab + (a[i] - ma) * (b[i] - mb), saa + (a[i] - ma) * (a[i] - ma), sbb + (b[i] - mb) * (b[i] - mb));
        }
        return saa == 0 || sbb == 0 ? double.NaN : sab / Math.Sqrt(saa * sbb);
    }

    /// <summary>numpy.quantile's default (linear between order statistics) over the finite values.</summary>
    private static double Quantile(double[] values, double q)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        return sorted[below] + (position - below) * (sorted[Math.Min(below + 1, sorted.Length - 1)] - sorted[below]);
    }

    [Fact]
    public async Task Allen_EachStageEqualsItsOwnRidgeRun_BestStageIsTheArgmax()
    {
        var allen = await F.Samples.ImportAsync(F.Alice, F.WorkspaceId, "allen-v1");
        var set = (await F.Datasets.GetAsync(F.Alice, allen)).ResponseSets[0].Id;
        double[] alphas = [1, 100, 1e4];

        var run = await _h.RunToEndAsync(allen, RunKindNames.EncodingHierarchy, new { responseSetId = set, stages = new[] { "pixels", "gabor" }, alphas, folds = 5 }, seed: 3);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var stageR = await ArrayAsync(run, "stage_test_r.npy");
        int units = stageR.Length / 2;
        var summary = Assert.IsType<EncodingHierarchySummary>(_h.Runs.Kinds.Get(RunKindNames.EncodingHierarchy).ReadSummary(run.SummaryJson));
        var responses = await ResponsesAsync(set);
        foreach (var (stage, row) in new[] { ("pixels", 0), ("gabor", 1) })
        {
            var ridge = await _h.RunToEndAsync(allen, new { responseSetId = set, features = stage, alphas, folds = 5, permutations = 0 }, seed: 3);
            Assert.True(ridge.Status == RunStatus.Succeeded, ridge.Error);
            var expected = await ArrayAsync(ridge, "test_r.npy");
            Assert.Equal(units, expected.Length);
            for (int u = 0; u < units; u++)
            {
                Assert.Equal(expected[u], stageR[row * units + u], 1e-6);
            }

            // The stage's interval, recomputed by hand: the ridge run's test predictions against the measured responses of
            // its test stimuli, each resample (the run's seed) written out row by row, Pearson r per unit, mean, percentiles.
            var predictions = await ArrayAsync(ridge, "test_predictions.npy");
            var testStimuli = (await ArrayAsync(ridge, "test_stimulus_index.npy")).Select(v => (int)v).ToArray();
            var counts = NeuroLab.Analysis.Encoding.TestSetBootstrap.Counts(testStimuli, 200, seed: 3).data<double>().ToArray();
            var means = new double[200];
            for (int b = 0; b < 200; b++)
            {
                var perUnit = new List<double>();
                for (int u = 0; u < units; u++)
                {
                    var (pa, ya) = (new List<double>(), new List<double>());
                    for (int t = 0; t < testStimuli.Length; t++)
                    {
                        for (int k = 0; k < counts[b * testStimuli.Length + t]; k++)
                        {
                            pa.Add(predictions[t * units + u]);
                            ya.Add(responses[testStimuli[t] * units + u]);
                        }
                    }
                    double r = Pearson(pa, ya);
                    if (double.IsFinite(r))
                    {
                        perUnit.Add(r);
                    }
                }
                means[b] = perUnit.Count > 0 ? perUnit.Average() : double.NaN;
            }
            var group = summary.Groups[0];
            Assert.Equal(Quantile(means, 0.025), group.CiLow![row], 1e-4);
            Assert.Equal(Quantile(means, 0.975), group.CiHigh![row], 1e-4);
            Assert.InRange(group.MeanTestR[row], group.CiLow[row] - 0.05, group.CiHigh[row] + 0.05);
        }
        var table = (await _h.ArtifactTextAsync(run.Id, "stage_scores_ci.csv")).Trim().Split('\n');
        Assert.Equal("group,units,stage,mean_test_r,ci_low,ci_high,resamples", table[0]);
        Assert.Equal(3, table.Length);
        Assert.StartsWith($"all units,{units},gabor,", table[2], StringComparison.Ordinal);
        Assert.EndsWith(",200", table[2], StringComparison.Ordinal);
        var best = await ArrayAsync(run, "best_stage.npy");
        var bestR = await ArrayAsync(run, "best_test_r.npy");
        for (int u = 0; u < units; u++)
        {
            int argmax = stageR[u] >= stageR[units + u] ? 1 : 2;
            Assert.Equal(argmax, best[u]);
            Assert.Equal(Math.Max(stageR[u], stageR[units + u]), bestR[u], 1e-6);
        }
        Assert.Equal(["pixels", "gabor"], summary.Stages);
        Assert.Equal(units, summary.BestStageCounts.Sum());
        Assert.Equal("all units", Assert.Single(summary.Groups).Name);
        Assert.Equal(stageR.Take(units).Average(), summary.MeanTestRPerStage[0], 1e-5);
        Assert.StartsWith("best stage ", summary.Headline(), StringComparison.Ordinal);
        // Neurons have no volume: no maps.
        Assert.DoesNotContain(await _h.Runs.ArtifactsAsync(F.Alice, run.Id), a => a.Role == ArtifactRole.VolumeMap.Name());
    }

    [Fact]
    public async Task Validate_UnknownStage_IsAnUnknownValueNamingStages_OneStage_IsRefused()
    {
        var allen = await F.Samples.ImportAsync(F.Alice, F.WorkspaceId, "allen-v1");
        var set = (await F.Datasets.GetAsync(F.Alice, allen)).ResponseSets[0].Id;

        var unknown = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(F.Alice, F.WorkspaceId, allen, RunKindNames.EncodingHierarchy,
            JsonSerializer.SerializeToElement(new { responseSetId = set, stages = new[] { "pixels", "resnet50:layer9" } })));
        var single = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(F.Alice, F.WorkspaceId, allen, RunKindNames.EncodingHierarchy,
            JsonSerializer.SerializeToElement(new { responseSetId = set, stages = new[] { "pixels" } })));

        Assert.True(unknown.UnknownValues);
        Assert.Contains(unknown.Problems, p => p.StartsWith("stages: unknown feature space 'resnet50:layer9'.", StringComparison.Ordinal));
        Assert.False(single.UnknownValues);
        Assert.Contains(single.Problems, p => p.StartsWith("stages must name two or more", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HaxbyVoxels_BestStageMapOnTheGrid_AndARowPerMask()
    {
        var features = new float[8 * 4];
        var random = new Random(5);
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = (float)random.NextDouble();
        }
        var featurePath = Path.Combine(_temp, "condition_features.npy");
        NpyWriter.Write(featurePath, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [8, 4], features));
        var dataset = await F.Importer.ImportAsync(new NeuroLab.Compute.Datasets.DatasetImportRequest(F.WorkspaceId, F.Alice, "Haxby hierarchy", null, NeuroLab.Data.Datasets.DatasetSpace.Subject,
        [
            new NeuroLab.Compute.Datasets.ImportSource("task001_run001/bold_25mm.nii.gz", NeuroLab.Data.Datasets.FileRole.Run, SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz")),
            new NeuroLab.Compute.Datasets.ImportSource("task001_run001/bold_events.tsv", NeuroLab.Data.Datasets.FileRole.Events, SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_events.tsv")),
            new NeuroLab.Compute.Datasets.ImportSource("task001_run002/bold_25mm.nii.gz", NeuroLab.Data.Datasets.FileRole.Run, SharedData.Path("haxby2001/sub001/BOLD/task001_run002/bold_25mm.nii.gz")),
            new NeuroLab.Compute.Datasets.ImportSource("task001_run002/bold_events.tsv", NeuroLab.Data.Datasets.FileRole.Events, SharedData.Path("haxby2001/sub001/BOLD/task001_run002/bold_events.tsv")),
            new NeuroLab.Compute.Datasets.ImportSource("hoc.nii.gz", NeuroLab.Data.Datasets.FileRole.Mask, SharedData.Path("haxby2001/sub001/masks/25mm/hoc.nii.gz")),
            new NeuroLab.Compute.Datasets.ImportSource("condition_features.npy", NeuroLab.Data.Datasets.FileRole.Features, featurePath),
        ]));
        var detail = await F.Datasets.GetAsync(F.Alice, dataset);
        var voxels = detail.ResponseSets.Single(r => r.HasUnitCoordinates);

        var run = await _h.RunToEndAsync(dataset, RunKindNames.EncodingHierarchy, new
        {
            responseSetId = voxels.Id,
            stages = new[] { "labels", "file" },
            featureFileId = detail.Files.Single(f => f.Role == NeuroLab.Data.Datasets.FileRole.Features).Id,
            split = "random",
            testFraction = 0.25,
            folds = 2,
        }, seed: 4, timeout: TimeSpan.FromMinutes(1));

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var artifacts = await _h.Runs.ArtifactsAsync(F.Alice, run.Id);
        Assert.Equal(["best_stage.nii.gz", "best_test_r.nii.gz"], artifacts.Where(a => a.Role == "volume-map").Select(a => a.Name).Order());
        Assert.Contains(artifacts, a => a.Name == "best_stage_labels.json" && a.Role == "document");
        var summary = Assert.IsType<EncodingHierarchySummary>(_h.Runs.Kinds.Get(RunKindNames.EncodingHierarchy).ReadSummary(run.SummaryJson));
        var hoc = Assert.Single(summary.Groups, g => g.Name == "hoc.nii.gz");
        // The GLM's voxels are those of the only mask imported, so its row holds every unit, with the all-units means.
        Assert.Equal(voxels.UnitCount, hoc.Units);
        Assert.Equal(summary.Groups[0].MeanTestR, hoc.MeanTestR);
        // The map holds each voxel's best stage: read back by the geometry of the set, it is the best_stage vector.
        var best = await ArrayAsync(run, "best_stage.npy");
        var map = artifacts.Single(a => a.Name == "best_stage.nii.gz");
        var image = NeuroLab.Formats.Nifti.NiftiReader.Read(F.Store.LocalPath(map.Sha256));
        var geometry = await new NeuroLab.Compute.Geometry.UnitGeometryService(F.Database.Factory, F.Store).ForResponseSetAsync(voxels.Id);
        Assert.NotNull(geometry);
        var volume = image.Data.ToCOrder();
        for (int u = 0; u < geometry.UnitCount; u += 97)
        {
            var v = geometry.VoxelOf(u);
            Assert.Equal(best[u], volume.GetDouble(((long)v.I * geometry.Shape[1] + v.J) * geometry.Shape[2] + v.K));
        }
    }
}
