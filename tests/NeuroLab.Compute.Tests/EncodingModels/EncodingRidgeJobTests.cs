using System.Text.Json;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.EncodingReadout;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.EncodingModels;

/// <summary>The encoding-ridge job end to end through the run queue on the real Allen V1 sample.</summary>
public sealed class EncodingRidgeJobTests : IAsyncLifetime
{
    private RunHarness _h = default!;
    private Guid _allen;
    private Guid _responseSet;

    private ImportFixture _f => _h.F;

    private RunService _runs => _h.Runs;

    public async Task InitializeAsync()
    {
        _h = await RunHarness.StartAsync();
        _allen = await _f.Samples.ImportAsync(_f.Alice, _f.WorkspaceId, "allen-v1");
        _responseSet = (await _f.Datasets.GetAsync(_f.Alice, _allen)).ResponseSets[0].Id;
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private Task<RunSummary> RunToEndAsync(object parameters) => _h.RunToEndAsync(_allen, parameters);

    [Theory]
    [InlineData("gabor")]
    [InlineData("pixels")]
    [InlineData("pca")]
    public async Task Allen_FitsAndScores_AllFeatureSpaces(string features)
    {
        var run = await RunToEndAsync(new { responseSetId = _responseSet, features, alphas = new[] { 1.0, 10, 100, 1e3, 1e4, 1e5 }, folds = 5 });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        var mean = summary.RootElement.GetProperty("meanTestR").GetDouble();
        Assert.Equal(100, summary.RootElement.GetProperty("trainStimuli").GetInt32());
        Assert.Equal(18, summary.RootElement.GetProperty("testStimuli").GetInt32());
        // These 18 test scenes allow no quality bound: measured mean test r gabor -0.008, pixels -0.034, pca -0.019, no
        // neuron significant at FDR 0.05. So the bound is the other way: near zero, as a fit that saw the test scenes
        // (a split leak) would not be.
        Assert.InRange(mean, -0.15, 0.15);
        var artifacts = await _runs.ArtifactsAsync(_f.Alice, run.Id);
        Assert.Contains(artifacts, a => a.Name == "test_r.npy");
        Assert.Contains(artifacts, a => a.Name == "weights.npy");
        Assert.Contains(artifacts, a => a.Name == "units.csv");
        // The stored test r agrees with the summary's mean.
        await using var stream = _f.Store.OpenRead(artifacts.Single(a => a.Name == "test_r.npy").Sha256);
        var testR = NpyReader.Read(stream, "test_r.npy").ToFloat64();
        Assert.Equal(mean, testR.Average(), 1e-5);
        Console.WriteLine($"Allen V1 {features}: mean test r = {mean:0.0000}");
    }

    [Fact]
    public async Task Validation_ExplainsProblemsBeforeQueueing()
    {
        var e = await Assert.ThrowsAsync<RunValidationException>(() => _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _allen, "encoding-ridge",
            JsonSerializer.SerializeToElement(new { responseSetId = Guid.NewGuid(), features = "sift", folds = 1 })));
        Assert.Contains(e.Problems, p => p.Contains("sift", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("folds must be between 2 and 100", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("not part of this dataset", StringComparison.Ordinal));
        var tooMany = await Assert.ThrowsAsync<RunValidationException>(() => _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, _allen, "encoding-ridge",
            JsonSerializer.SerializeToElement(new { responseSetId = _responseSet, folds = 60 })));
        Assert.Contains(tooMany.Problems, p => p.Contains("too few", StringComparison.Ordinal));
    }
}

/// <summary>Uploaded feature matrices: a planted linear model is recovered from features given as a file.</summary>
public sealed class UploadedFeaturesTests : IAsyncLifetime
{
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-features-").FullName;
    private RunHarness _h = default!;

    private ImportFixture _f => _h.F;

    private RunService _runs => _h.Runs;

    public async Task InitializeAsync() => _h = await RunHarness.StartAsync();

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        Directory.Delete(_temp, recursive: true);
    }

    [Fact]
    public async Task PlantedLinearModel_IsRecoveredFromUploadedFeatures()
    {
        // Y = X W + small noise, 80 stimuli x 12 features -> 6 units (seeded).
        var random = new Random(5);
        int n = 80, p = 12, u = 6;
        var x = Enumerable.Range(0, n * p).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var w = Enumerable.Range(0, p * u).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var y = new float[n * u];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < u; k++)
            {
                double sum = 0;
                for (int j = 0; j < p; j++)
                {
                    sum += x[i * p + j] * w[j * u + k];
                }
                y[i * u + k] = (float)(sum + 0.05 * (random.NextDouble() - 0.5));
            }
        }
        var featurePath = Path.Combine(_temp, "features.npy");
        var responsePath = Path.Combine(_temp, "responses.npy");
        NpyWriter.Write(featurePath, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [n, p], x));
        NpyWriter.Write(responsePath, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [n, u], y));
        // Three repeats around the mean response with small trial noise: a high noise ceiling.
        var trials = new float[3 * n * u];
        for (int r = 0; r < 3; r++)
        {
            for (int i = 0; i < n * u; i++)
            {
                trials[r * n * u + i] = y[i] + (float)(0.05 * (random.NextDouble() - 0.5));
            }
        }
        var trialsPath = Path.Combine(_temp, "trials.npy");
        NpyWriter.Write(trialsPath, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [3, n, u], trials));
        var dataset = await _f.Importer.ImportAsync(new NeuroLab.Compute.Datasets.DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Planted", null, NeuroLab.Data.Datasets.DatasetSpace.None,
        [
            new NeuroLab.Compute.Datasets.ImportSource("responses.npy", NeuroLab.Data.Datasets.FileRole.Responses, responsePath),
            new NeuroLab.Compute.Datasets.ImportSource("features.npy", NeuroLab.Data.Datasets.FileRole.Features, featurePath),
            new NeuroLab.Compute.Datasets.ImportSource("trials.npy", NeuroLab.Data.Datasets.FileRole.Trials, trialsPath),
        ]));
        var detail = await _f.Datasets.GetAsync(_f.Alice, dataset);
        var featureFile = detail.Files.Single(f => f.Role == NeuroLab.Data.Datasets.FileRole.Features).Id;
        var run = await _h.RunToEndAsync(dataset, new
        {
            responseSetId = detail.ResponseSets[0].Id,
            features = "file",
            featureFileId = featureFile,
            split = "random",
            testFraction = 0.25,
            alphas = new[] { 0.01, 0.1, 1, 10, 100 },
        }, seed: 9, timeout: TimeSpan.FromMinutes(1));
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        Assert.True(summary.RootElement.GetProperty("meanTestR").GetDouble() > 0.99, run.SummaryJson);
        Assert.Equal(20, summary.RootElement.GetProperty("testStimuli").GetInt32());
        // Every planted unit is significant (1,000 permutations, BH q <= 0.05) and near its ceiling.
        Assert.Equal(6, summary.RootElement.GetProperty("significantUnits").GetInt32());
        Assert.True(summary.RootElement.GetProperty("meanNoiseCeilingPercent").GetDouble() > 90, run.SummaryJson);
        var artifacts = await _runs.ArtifactsAsync(_f.Alice, run.Id);
        Assert.Contains(artifacts, a => a.Name == "q_values.npy");
        Assert.Contains(artifacts, a => a.Name == "fraction_of_ceiling_percent.npy");

        var bad = await Assert.ThrowsAsync<RunValidationException>(() => _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, dataset, "encoding-ridge", JsonSerializer.SerializeToElement(new
        {
            responseSetId = detail.ResponseSets[0].Id,
            features = "gabor",
            split = "random",
        })));
        Assert.Contains(bad.Problems, m => m.Contains("no image", StringComparison.Ordinal));
    }

    // Made by tools/torchscript/make_fixture.py with Debian's python3-torch 1.13.1.
    private static string TorchScriptFixture(string name) =>
        Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Analysis.Tests", "Fixtures", "features", name);

    [Fact]
    public async Task TorchScriptModel_LayerFeaturesRecoverPlantedResponses_BadLayerAndWeightsFileRefused()
    {
        // 60 random 32x32 gratings in 8-bit steps (each holds a 0 and a 1 pixel, so the importer's per-image
        // min-max scaling keeps them as they are).
        var random = new Random(11);
        int n = 60, side = 32, u = 4;
        var pixels = new float[n * side * side];
        for (int i = 0; i < n; i++)
        {
            double fx = random.NextDouble() * 6 - 3, fy = random.NextDouble() * 6 - 3, phase = random.NextDouble() * 2 * Math.PI;
            for (int r = 0; r < side; r++)
            {
                for (int c = 0; c < side; c++)
                {
                    pixels[(i * side + r) * side + c] = (float)(Math.Round(255 * (0.5 + 0.5 * Math.Sin(2 * Math.PI * (fx * c + fy * r) / side + phase))) / 255);
                }
            }
            pixels[i * side * side] = 0;
            pixels[i * side * side + 1] = 1;
        }
        for (int i = 0; i < n; i++)
        {
            pixels[i * side * side] = 0;
            pixels[i * side * side + 1] = 1;
        }
        // Responses = the model's output 3 (logits, 3 features) times planted weights plus small noise: only that layer explains them.
        var modelPath = TorchScriptFixture("tiny_cnn_tuple.pt");
        float[] logits;
        using (var reference = NeuroLab.Analysis.Features.TorchScriptFeatures.Load(modelPath, new() { Height = side, Width = side }))
        using (var images = TorchSharp.torch.tensor(pixels, [n, side, side]))
        using (var features = reference.Extract(images, 3))
        {
            Assert.Equal(new long[] { n, 3 }, features.shape);
            logits = features.data<float>().ToArray();
        }
        var w = Enumerable.Range(0, 3 * u).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var y = new float[n * u];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < u; k++)
            {
                double sum = 0;
                for (int j = 0; j < 3; j++)
                {
                    sum += logits[i * 3 + j] * w[j * u + k];
                }
                y[i * u + k] = (float)sum;
            }
        }
        // Noise at 2% of each unit's own spread across stimuli.
        for (int k = 0; k < u; k++)
        {
            var column = Enumerable.Range(0, n).Select(i => (double)y[i * u + k]).ToArray();
            double sd = Math.Sqrt(column.Select(v => v * v).Average() - Math.Pow(column.Average(), 2));
            for (int i = 0; i < n; i++)
            {
                y[i * u + k] += (float)(0.02 * sd * (random.NextDouble() - 0.5));
            }
        }
        var imagesPath = Path.Combine(_temp, "stimuli.npy");
        var responsePath = Path.Combine(_temp, "responses.npy");
        var modelCopy = Path.Combine(_temp, "tiny_cnn.pt");
        File.Copy(modelPath, modelCopy);
        NpyWriter.Write(imagesPath, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [n, side, side], pixels));
        NpyWriter.Write(responsePath, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [n, u], y));
        var dataset = await _f.Importer.ImportAsync(new NeuroLab.Compute.Datasets.DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Model features", null, NeuroLab.Data.Datasets.DatasetSpace.None,
        [
            new NeuroLab.Compute.Datasets.ImportSource("stimuli.npy", NeuroLab.Data.Datasets.FileRole.StimulusImages, imagesPath),
            new NeuroLab.Compute.Datasets.ImportSource("responses.npy", NeuroLab.Data.Datasets.FileRole.Responses, responsePath),
            new NeuroLab.Compute.Datasets.ImportSource("tiny_cnn.pt", NeuroLab.Data.Datasets.FileRole.Model, modelCopy),
        ]));
        var detail = await _f.Datasets.GetAsync(_f.Alice, dataset);
        var model = detail.Files.Single(f => f.Role == NeuroLab.Data.Datasets.FileRole.Model);
        Assert.Equal("torchscript", model.Format);

        async Task<RunSummary> FitAsync(int layer)
        {
            var run = await _h.RunToEndAsync(dataset, new
            {
                responseSetId = detail.ResponseSets[0].Id,
                features = "torchscript",
                modelFileId = model.Id,
                layer,
                split = "random",
                testFraction = 0.25,
                alphas = new[] { 1e-4, 1e-3, 0.01, 0.1, 1, 10 },
                permutations = 0,
            }, seed: 3, timeout: TimeSpan.FromMinutes(1));
            Assert.True(run.Status == RunStatus.Succeeded, run.Error);
            return run;
        }

        var logitsRun = await FitAsync(3);
        using (var summary = JsonDocument.Parse(logitsRun.SummaryJson!))
        {
            Assert.True(summary.RootElement.GetProperty("meanTestR").GetDouble() > 0.95, logitsRun.SummaryJson);
            Assert.Contains("TorchScript model tiny_cnn.pt, output 3", summary.RootElement.GetProperty("features").GetString(), StringComparison.Ordinal);
        }
        // Another layer is another feature space: the first conv layer is 4x16x16 = 1,024 features.
        var convRun = await FitAsync(0);
        using (var summary = JsonDocument.Parse(convRun.SummaryJson!))
        {
            Assert.Contains("1024 features", summary.RootElement.GetProperty("features").GetString(), StringComparison.Ordinal);
        }

        // Banded ridge over the model's logits and raw pixels: per-unit band weights favour the band that generated the responses.
        var banded = await _h.RunToEndAsync(dataset, new
        {
            responseSetId = detail.ResponseSets[0].Id,
            bands = new[] { "torchscript", "pixels" },
            modelFileId = model.Id,
            layer = 3,
            split = "random",
            testFraction = 0.25,
            alphas = new[] { 1e-3, 0.01, 0.1, 1, 10, 100, 1e3 },
            permutations = 0,
        }, seed: 3, timeout: TimeSpan.FromMinutes(1));
        Assert.True(banded.Status == RunStatus.Succeeded, banded.Error);
        Console.WriteLine($"Banded torchscript+pixels: {banded.SummaryJson}");
        using (var summary = JsonDocument.Parse(banded.SummaryJson!))
        {
            Assert.True(summary.RootElement.GetProperty("meanTestR").GetDouble() > 0.9, banded.SummaryJson);
            var bandWeights = summary.RootElement.GetProperty("meanBandWeight").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.True(bandWeights[0] > bandWeights[1], banded.SummaryJson);
            Assert.Equal(new[] { 3, 1024 }, summary.RootElement.GetProperty("bandSizes").EnumerateArray().Select(x => x.GetInt32()));
        }
        var bandedArtifacts = await _runs.ArtifactsAsync(_f.Alice, banded.Id);
        Assert.Contains(bandedArtifacts, a => a.Name == "band_weights.npy");
        Assert.Contains(bandedArtifacts, a => a.Name == "band_r2.npy");
        var oneBand = await Assert.ThrowsAsync<RunValidationException>(() => _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, dataset, "encoding-ridge", JsonSerializer.SerializeToElement(new
        {
            responseSetId = detail.ResponseSets[0].Id,
            bands = new[] { "pixels" },
            split = "random",
        })));
        Assert.Contains(oneBand.Problems, m => m.Contains("two or more", StringComparison.Ordinal));

        var bad = await Assert.ThrowsAsync<RunValidationException>(() => _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, dataset, "encoding-ridge", JsonSerializer.SerializeToElement(new
        {
            responseSetId = detail.ResponseSets[0].Id,
            features = "torchscript",
            modelFileId = model.Id,
            layer = 7,
            split = "random",
        })));
        Assert.Contains(bad.Problems, m => m.Contains("layer 7 does not exist", StringComparison.Ordinal) && m.Contains("3 [1x3]", StringComparison.Ordinal));
        var noModel = await Assert.ThrowsAsync<RunValidationException>(() => _runs.SubmitAsync(_f.Alice, _f.WorkspaceId, dataset, "encoding-ridge", JsonSerializer.SerializeToElement(new
        {
            responseSetId = detail.ResponseSets[0].Id,
            features = "torchscript",
            modelFileId = detail.ResponseSets[0].Id,
            split = "random",
        })));
        Assert.Contains(noModel.Problems, m => m.Contains("role Model", StringComparison.Ordinal));

        // A torch.save weights file is refused at import with what to do instead, and no dataset is created.
        var weights = Path.Combine(_temp, "weights.pt");
        File.Copy(TorchScriptFixture("tiny_cnn_state_dict.pt"), weights);
        var failed = await Assert.ThrowsAsync<NeuroLab.Compute.Datasets.DatasetImportException>(() => _f.Importer.ImportAsync(new NeuroLab.Compute.Datasets.DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Weights only", null, NeuroLab.Data.Datasets.DatasetSpace.None,
        [
            new NeuroLab.Compute.Datasets.ImportSource("weights.pt", NeuroLab.Data.Datasets.FileRole.Model, weights),
        ])));
        Assert.Contains(failed.Problems, pr => pr.Message.Contains("torch.jit.script", StringComparison.Ordinal));
        Assert.DoesNotContain(await _f.Datasets.ListAsync(_f.Alice, _f.WorkspaceId), d => d.Name == "Weights only");
    }

    [Fact]
    public async Task VoxelResponseSet_MapsAreNiftiOnTheMaskGrid_WithEachVoxelsValue()
    {
        // Two real Haxby runs + events + the HOC mask: the GLM makes 8 conditions x voxels with voxel coordinates.
        var features = new float[8 * 4];
        var random = new Random(2);
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = (float)random.NextDouble();
        }
        var featurePath = Path.Combine(_temp, "condition_features.npy");
        NpyWriter.Write(featurePath, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [8, 4], features));
        var maskPath = SharedData.Path("haxby2001/sub001/masks/25mm/hoc.nii.gz");
        var dataset = await _f.Importer.ImportAsync(new NeuroLab.Compute.Datasets.DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Haxby two runs", null, NeuroLab.Data.Datasets.DatasetSpace.Subject,
        [
            new NeuroLab.Compute.Datasets.ImportSource("task001_run001/bold_25mm.nii.gz", NeuroLab.Data.Datasets.FileRole.Run, SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz")),
            new NeuroLab.Compute.Datasets.ImportSource("task001_run001/bold_events.tsv", NeuroLab.Data.Datasets.FileRole.Events, SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_events.tsv")),
            new NeuroLab.Compute.Datasets.ImportSource("task001_run002/bold_25mm.nii.gz", NeuroLab.Data.Datasets.FileRole.Run, SharedData.Path("haxby2001/sub001/BOLD/task001_run002/bold_25mm.nii.gz")),
            new NeuroLab.Compute.Datasets.ImportSource("task001_run002/bold_events.tsv", NeuroLab.Data.Datasets.FileRole.Events, SharedData.Path("haxby2001/sub001/BOLD/task001_run002/bold_events.tsv")),
            new NeuroLab.Compute.Datasets.ImportSource("hoc.nii.gz", NeuroLab.Data.Datasets.FileRole.Mask, maskPath),
            new NeuroLab.Compute.Datasets.ImportSource("condition_features.npy", NeuroLab.Data.Datasets.FileRole.Features, featurePath),
        ]));
        var detail = await _f.Datasets.GetAsync(_f.Alice, dataset);
        var voxels = detail.ResponseSets.Single(r => r.HasUnitCoordinates);
        Assert.Equal(8, voxels.StimulusCount);
        var run = await _h.RunToEndAsync(dataset, new
        {
            responseSetId = voxels.Id,
            features = "file",
            featureFileId = detail.Files.Single(f => f.Role == NeuroLab.Data.Datasets.FileRole.Features).Id,
            split = "random",
            testFraction = 0.25,
            folds = 2,
            permutations = 0,
        }, seed: 4, timeout: TimeSpan.FromMinutes(1));
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);

        var artifacts = await _runs.ArtifactsAsync(_f.Alice, run.Id);
        double[] bestAlpha;
        await using (var stream = _f.Store.OpenRead(artifacts.Single(a => a.Name == "best_alpha.npy").Sha256))
        {
            bestAlpha = NpyReader.Read(stream, "best_alpha.npy").ToFloat64();
        }
        Assert.Equal(voxels.UnitCount, bestAlpha.Length);
        var mask = NeuroLab.Formats.Nifti.NiftiReader.Read(maskPath);
        NeuroLab.Formats.Nifti.NiftiImage map;
        await using (var stream = _f.Store.OpenRead(artifacts.Single(a => a.Name == "best_alpha.nii.gz").Sha256))
        {
            map = NeuroLab.Formats.Nifti.NiftiReader.Read(stream, "best_alpha.nii.gz");
        }
        // Same grid and voxel-to-world affine as the mask the voxels came from.
        Assert.Equal(mask.Header.Shape.Take(3), map.Header.Shape.Take(3));
        var (a, b) = (mask.Affine, map.Affine);
        for (int r = 0; r < 4; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                Assert.Equal(a[r, c], b[r, c], 1e-4);
            }
        }
        // Voxels outside the mask are NaN; the finite voxels inside it carry exactly the units' alphas (as a multiset:
        // a coordinate mix-up would put values outside the mask or lose some).
        var nx = mask.Header.Shape[0];
        var ny = mask.Header.Shape[1];
        var nz = mask.Header.Shape[2];
        var values = map.Data.ToFloat64();
        var inMask = new List<double>();
        for (long k = 0; k < nz; k++)
        {
            for (long j = 0; j < ny; j++)
            {
                for (long i = 0; i < nx; i++)
                {
                    long index = i + nx * (j + ny * k);
                    if (mask.Data.GetDouble(index) != 0)
                    {
                        inMask.Add(values[index]);
                    }
                    else
                    {
                        Assert.True(double.IsNaN(values[index]));
                    }
                }
            }
        }
        Assert.Equal(bestAlpha.Length, inMask.Count(double.IsFinite));
        Assert.Equal(bestAlpha.Select(x => (double)(float)x).Order().ToArray(), inMask.Where(double.IsFinite).Order().ToArray());
    }
}
