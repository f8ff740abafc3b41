using System.Globalization;
using System.Text.Json;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.EncodingModels;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Formats.Numpy;
using Xunit.Abstractions;

namespace NeuroLab.Compute.Tests.Decoding;

/// <summary>
/// The decoding kind on the Haxby 2001 sample (subject 1, 12 runs, the 25 mm copy): per-run GLM betas of each mask's
/// set decoded leave-one-run-out. Assertions are loose (above chance; the 25 mm copy decodes weakly: its VT set has a single voxel and p is not small): the published 8-way accuracies are for
/// the full-resolution VT mask, which has far more voxels. Set NEUROLAB_DECODING_EXPORT to a .npy path to export the
/// VT betas for <c>tests/NeuroLab.Analysis.Tests/Reference/decoding_reference.py</c>.
/// </summary>
public sealed class DecodingHaxbyTests(ITestOutputHelper output) : IAsyncLifetime
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

    private async Task<(RunSummary Run, JsonElement Summary)> RunAsync(object parameters)
    {
        var run = await _h.RunToEndAsync(_haxby, "decoding", parameters, timeout: TimeSpan.FromMinutes(5));
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        return (run, JsonDocument.Parse(run.SummaryJson!).RootElement.Clone());
    }

    [Fact]
    public async Task Decoding_DefaultsOnHaxby_EightWayAboveChance()
    {
        var (run, summary) = await RunAsync(new { });
        Assert.Equal("correlation-nn", summary.GetProperty("classifier").GetString());
        Assert.Equal(8, summary.GetProperty("classes").GetArrayLength());
        Assert.Equal(96, summary.GetProperty("samples").GetInt32());
        Assert.Equal(12, summary.GetProperty("groups").GetInt32());
        Assert.Equal(0.125, summary.GetProperty("chance").GetDouble(), 12);
        Assert.True(summary.GetProperty("accuracy").GetDouble() > 0.125, $"8-way accuracy {summary.GetProperty("accuracy").GetDouble()}");
        Assert.InRange(summary.GetProperty("pValue").GetDouble(), 1.0 / 201, 1);

        var predictions = (await _h.ArtifactTextAsync(run.Id, "predictions.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("sample,group,true,predicted", predictions[0]);
        Assert.Equal(97, predictions.Length);
        var confusion = (await _h.ArtifactTextAsync(run.Id, "confusion.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(9, confusion.Length);
        Assert.Equal(96, confusion.Skip(1).Sum(l => l.Split(',').Skip(1).Sum(v => int.Parse(v, CultureInfo.InvariantCulture))));
        var nullRows = (await _h.ArtifactTextAsync(run.Id, "permutation_null.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(201, nullRows.Length);

        if (Environment.GetEnvironmentVariable("NEUROLAB_DECODING_EXPORT") is { Length: > 0 } path)
        {
            var set = await _h.F.Datasets.GetResponseSetAsync(_h.F.Alice, _haxby, _detail.ResponseSets.Single(r => r.Name.Contains("vt", StringComparison.Ordinal)).Id);
            await using var trials = _h.F.Store.OpenRead(set.TrialsSha256!);
            NpyWriter.Write(path, NpyReader.Read(trials, "trials.npy"));
            await File.WriteAllTextAsync(Path.ChangeExtension(path, ".json"), JsonSerializer.Serialize(summary.GetProperty("classes")));
        }
    }

    [Fact]
    public async Task Decoding_FaceVsHouseCorrelationNn_AboveChance()
    {
        var (_, summary) = await RunAsync(new { classifier = "correlation-nn", classes = new[] { "face", "house" }, permutations = 100 });
        Assert.Equal(["face", "house"], summary.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(24, summary.GetProperty("samples").GetInt32());
        Assert.True(summary.GetProperty("accuracy").GetDouble() > 0.5, $"face vs house accuracy {summary.GetProperty("accuracy").GetDouble()}");
        Assert.InRange(summary.GetProperty("pValue").GetDouble(), 1.0 / 101, 1);
    }

    [Fact]
    public async Task Decoding_AllMasksWithSearchlight_RegionTableAndMap()
    {
        var (run, summary) = await RunAsync(new { classifier = "correlation-nn", regions = "all-masks", searchlight = 1, permutations = 20 });
        int masks = _detail.ResponseSets.Count;
        Assert.Equal(masks, summary.GetProperty("rois").GetArrayLength());
        var rois = (await _h.ArtifactTextAsync(run.Id, "rois.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("roi,voxels,accuracy,chance,p", rois[0]);
        Assert.Equal(masks + 1, rois.Length);
        output.WriteLine(summary.GetProperty("responseSet").GetString());
        foreach (var line in rois)
        {
            output.WriteLine(line);
        }
        var map = await _h.ArtifactAsync(run.Id, "searchlight_accuracy.npy");
        Assert.Equal(summary.GetProperty("units").GetInt32(), (int)map.Shape[0]);
        Assert.True(summary.GetProperty("searchlightMaxAccuracy").GetDouble() > 0.125);
        var artifacts = await _h.Runs.ArtifactsAsync(_h.F.Alice, run.Id);
        Assert.Contains(artifacts, a => a.Name == "searchlight_accuracy.nii.gz");
    }

    [Fact]
    public async Task Decoding_FastClassifiersOnVt_AboveChance()
    {
        foreach (var classifier in new[] { "correlation-nn", "pca-lda" })
        {
            foreach (var classes in new[] { null, new[] { "face", "house" } })
            {
                var (_, summary) = await RunAsync(new { classifier, classes, permutations = 100 });
                double accuracy = summary.GetProperty("accuracy").GetDouble(), chance = summary.GetProperty("chance").GetDouble();
                double p = summary.GetProperty("pValue").GetDouble();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{classifier,-15} {(classes is null ? "8-way" : "face-house"),-10} accuracy {accuracy:P1} balanced {summary.GetProperty("balancedAccuracy").GetDouble():P1} chance {chance:P1} p {p:0.000} units {summary.GetProperty("units").GetInt32()}"));
                Assert.True(accuracy > chance, $"{classifier} {classes?.Length ?? 8}-way: {accuracy} <= {chance}");
            }
        }
    }
}
