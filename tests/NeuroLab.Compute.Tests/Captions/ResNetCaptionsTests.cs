using System.Text.Json;
using NeuroLab.Compute.Tests.EncodingModels;
using NeuroLab.Data.Runs;

namespace NeuroLab.Compute.Tests.Captions;

/// <summary>
/// Voxel captions on the pretrained network: an encoder on ResNet-18 features of the van Gerven digits is refitted and
/// ranks the Kriegeskorte 92 object images (their ResNet-18 features, the same stage), and the captions built from the
/// 92 categories are scored with the default sentence embedder (all-MiniLM-L6-v2).
/// </summary>
public sealed class ResNetCaptionsTests : IAsyncLifetime
{
    private RunHarness _h = default!;

    public async Task InitializeAsync() => _h = await RunHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Digits_ResNetEncoder_RanksTheK92PoolByItsPrediction_CaptionsScoredWithMiniLm()
    {
        var digits = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "vangerven-digits");
        var k92 = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "kriegeskorte-92");
        var voxels = (await _h.F.Datasets.GetAsync(_h.F.Alice, digits)).ResponseSets[0];
        var encoding = await _h.RunToEndAsync(digits, new
        {
            responseSetId = voxels.Id,
            features = "resnet18:layer3",
            poolGrid = 1,
            alphas = new[] { 1.0, 10, 100, 1e3, 1e4, 1e5 },
            permutations = 0,
        }, timeout: TimeSpan.FromMinutes(5));
        Assert.True(encoding.Status == RunStatus.Succeeded, encoding.Error);

        var run = await _h.RunToEndAsync(digits, "voxel-captions", new { encodingRunId = encoding.Id, minTestR = 0.1, poolDatasetId = k92, source = "predicted", topN = 10, keywords = 2 },
            timeout: TimeSpan.FromMinutes(5));
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Console.WriteLine($"Digits on resnet18:layer3, captions over the 92 objects: {run.SummaryJson}");
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        var s = summary.RootElement;
        Assert.Equal("all-MiniLM-L6-v2", s.GetProperty("embedding").GetString());
        Assert.Equal(92, s.GetProperty("poolItems").GetInt32());

        // The refit reproduces the run's model on the network features (the job warns when it does not).
        var log = await _h.Runs.LogAsync(_h.F.Alice, run.Id);
        Assert.Contains(log, l => l.Message.Contains("Encoder refitted", StringComparison.Ordinal) && l.Level == "info");

        var captions = await _h.ArtifactJsonAsync(run.Id, "captions.json");
        double[] testR = (await _h.ArtifactAsync(encoding.Id, "test_r.npy")).ToFloat64();
        Assert.Equal(testR.Count(r => r >= 0.1), captions.GetArrayLength());
        Assert.True(captions.GetArrayLength() > 0, "no digit voxel reached test r 0.1 on resnet18:layer3");
        var labels = (await _h.F.Datasets.ListStimuliAsync(_h.F.Alice, k92, 0, 100)).ToList();
        var labelOf = labels.ToDictionary(l => l.ImageSha256!, l => l.Label!);
        var words = labels.SelectMany(l => NeuroLab.Analysis.Captions.TextTokens.Tokenize(l.Label!)).ToHashSet();

        foreach (var unit in captions.EnumerateArray())
        {
            var predicted = unit.GetProperty("topPredicted").EnumerateArray().ToList();
            Assert.Equal(10, predicted.Count);
            Assert.All(predicted, p => Assert.Equal("pool", p.GetProperty("source").GetString()));
            Assert.All(predicted, p => Assert.Equal(labelOf[p.GetProperty("imageSha256").GetString()!], p.GetProperty("caption").GetString()));
            Assert.True(predicted.Zip(predicted.Skip(1)).All(p => p.First.GetProperty("value").GetDouble() >= p.Second.GetProperty("value").GetDouble()));
            Assert.All(unit.GetProperty("keywords").EnumerateArray(), k => Assert.Contains(k.GetProperty("word").GetString()!, words));
            Assert.InRange(unit.GetProperty("sentenceScore").GetDouble(), -1, 1);
            Assert.Equal(10, predicted.Select(p => p.GetProperty("imageSha256").GetString()).Distinct().Count());
        }
        var counts = captions.EnumerateArray().GroupBy(u => u.GetProperty("caption").GetString()).OrderByDescending(g => g.Count()).Take(5);
        Console.WriteLine("Most common captions: " + string.Join("; ", counts.Select(g => $"{g.Key} ({g.Count()})")));
    }
}
