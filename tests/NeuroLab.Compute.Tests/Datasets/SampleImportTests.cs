using NeuroLab.Compute.Datasets;
using NeuroLab.Data.Datasets;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.Datasets;

/// <summary>Every sample of the catalogue imported from ../shared/data, checked against what the sources document.</summary>
public sealed class SampleImportTests : IDisposable
{
    private readonly ImportFixture _f = new();

    public void Dispose() => _f.Dispose();

    private async Task<DatasetDetail> ImportAsync(string key)
    {
        var id = await _f.Samples.ImportAsync(_f.Alice, _f.WorkspaceId, key);
        return await _f.Datasets.GetAsync(_f.Alice, id);
    }

    private NumericArray Responses(ResponseSetSummary set, Guid datasetId)
    {
        var entity = _f.Datasets.GetResponseSetAsync(_f.Alice, datasetId, set.Id).GetAwaiter().GetResult();
        using var stream = _f.Store.OpenRead(entity.ArraySha256);
        return NpyReader.Read(stream, "responses.npy");
    }

    [Fact]
    public async Task AllenV1_118ScenesBy212Neurons_WithTrainTestSplit()
    {
        var d = await ImportAsync("allen-v1");
        Assert.Equal(118, d.Summary.StimulusCount);
        var set = Assert.Single(d.ResponseSets);
        Assert.Equal(UnitKind.Neuron, set.UnitKind);
        Assert.Equal(118, set.StimulusCount);
        Assert.Equal(212, set.UnitCount + (set.ExcludedUnitsJson is null ? 0 : System.Text.Json.JsonSerializer.Deserialize<int[]>(set.ExcludedUnitsJson)!.Length));
        var stimuli = await _f.Datasets.ListStimuliAsync(_f.Alice, d.Summary.Id, 0, 1000);
        Assert.Equal(100, stimuli.Count(s => s.Split == "train"));
        Assert.Equal(18, stimuli.Count(s => s.Split == "test"));
        Assert.All(stimuli, s => Assert.NotNull(s.ImageSha256));

        // Scene rows hold the train/test outputs: numpy 1.24.2 says Allen_train_output[0, 0] belongs to the
        // scene whose pixels equal Allen_train_input[0]; check that value landed on that scene's row.
        var trainInput = NpyReader.Read(SharedData.Path("allen-v1/Allen_train_input.npy"));
        var scenes = NpyReader.Read(SharedData.Path("allen-v1/all_input_scenes_118_961.npy"));
        int scene = Enumerable.Range(0, 118).Single(s => Enumerable.Range(0, 961).All(p => scenes[s, p] == trainInput[0, p]));
        var trainOutput = NpyReader.Read(SharedData.Path("allen-v1/Allen_train_output.npy"));
        var matrix = Responses(set, d.Summary.Id);
        Assert.Equal((float)trainOutput[0, 0], (float)matrix[scene, 0]);
    }

    [Fact]
    public async Task VanGervenDigits_100TrialsBy3092Voxels_LabelledSixAndNine()
    {
        var d = await ImportAsync("vangerven-digits");
        Assert.Equal(100, d.Summary.StimulusCount);
        var set = Assert.Single(d.ResponseSets);
        Assert.Equal(3092, set.UnitCount + (set.ExcludedUnitsJson is null ? 0 : System.Text.Json.JsonSerializer.Deserialize<int[]>(set.ExcludedUnitsJson)!.Length));
        var stimuli = await _f.Datasets.ListStimuliAsync(_f.Alice, d.Summary.Id, 0, 1000);
        Assert.Equal(90, stimuli.Count(s => s.Split == "train"));
        // scipy 1.10.1: labelTest = [1 1 1 1 1 2 2 2 2 2]; 1 = digit 6, 2 = digit 9.
        Assert.Equal(["digit 6", "digit 6", "digit 6", "digit 6", "digit 6", "digit 9", "digit 9", "digit 9", "digit 9", "digit 9"], stimuli.Skip(90).Select(s => s.Label));
    }

    [Fact]
    public async Task Kriegeskorte92_ImagesWithCategoryLabels()
    {
        var d = await ImportAsync("kriegeskorte-92");
        Assert.Equal(92, d.Summary.StimulusCount);
        var labels = (await _f.Datasets.ListStimuliAsync(_f.Alice, d.Summary.Id, 0, 100)).Select(s => s.Label).ToList();
        Assert.Contains("human face", labels);
        Assert.Contains("artificial object", labels);
        // Rows 0-23 of categoryVectors are animate (scipy 1.10.1 loadmat of the supplemental data).
        Assert.DoesNotContain(labels.Take(24), l => l is "natural object" or "artificial object");
    }

    [Fact]
    public async Task Kriegeskorte92_RdmFilesImportWithTheirRoles()
    {
        var d = await ImportAsync("kriegeskorte-92");
        Assert.Equal("92_brainRDMs.mat", Assert.Single(d.Files, f => f.Role == FileRole.BrainRdm).FileName.Split('/')[^1]);
        Assert.Equal("92_modelRDMs.mat", Assert.Single(d.Files, f => f.Role == FileRole.ModelRdm).FileName.Split('/')[^1]);
        // The AlexNet demo RDMs are not in the images' order (METHODS.md): kept, but not as RDMs to compare.
        Assert.Equal(FileRole.Other, Assert.Single(d.Files, f => f.FileName.EndsWith("modelRDMs_A2020.mat", StringComparison.Ordinal)).Role);
    }

    [Fact]
    public async Task Haxby_GlmBetasPerMask_EightCategories()
    {
        var d = await ImportAsync("haxby2001-sub1");
        Assert.Equal(8, d.Summary.StimulusCount);
        var labels = (await _f.Datasets.ListStimuliAsync(_f.Alice, d.Summary.Id)).Select(s => s.Label).ToHashSet();
        Assert.Equal(["bottle", "cat", "chair", "face", "house", "scissors", "scrambledpix", "shoe"], labels.Order());
        Assert.Equal(5, d.ResponseSets.Count);
        Assert.All(d.ResponseSets, r => Assert.Equal("glm", r.Provenance));
        Assert.All(d.ResponseSets, r => Assert.True(r.HasUnitCoordinates));
        // The 25 mm VT mask holds one voxel (nibabel 5.0.0 count), the brain mask 129.
        Assert.Equal(1, d.ResponseSets.Single(r => r.Name.Contains("vt", StringComparison.Ordinal)).UnitCount);
        Assert.Equal(129, d.ResponseSets.Single(r => r.Name.Contains("brain", StringComparison.Ordinal)).UnitCount);
        var vt = Responses(d.ResponseSets.Single(r => r.Name.Contains("vt", StringComparison.Ordinal)), d.Summary.Id);
        // Fixed-effects betas of the VT voxel over 12 runs, independently computed with numpy 1.24.2 lstsq on the
        // same design (tests/NeuroLab.Analysis.Tests/Reference/glm_reference.py): scissors is the largest.
        var order = (await _f.Datasets.ListStimuliAsync(_f.Alice, d.Summary.Id)).Select(s => s.Label).ToList();
        var best = Enumerable.Range(0, 8).MaxBy(c => vt[c, 0]);
        Assert.Equal("scissors", order[best]);
    }

    [Theory]
    [InlineData("kay2008-pool", 1750)]
    [InlineData("abide-cc200", 0)]
    [InlineData("mni152", 0)]
    [InlineData("colin27", 0)]
    [InlineData("example-maps", 0)]
    [InlineData("fsaverage5", 0)]
    public async Task OtherSamples_Import(string key, int stimuli)
    {
        var d = await ImportAsync(key);
        Assert.Equal(stimuli, d.Summary.StimulusCount);
        Assert.All(d.Files, f => Assert.NotNull(f.Format));
    }

    [Fact]
    public async Task Aal_RegionsFromLabels()
    {
        var d = await ImportAsync("aal");
        await using var db = await _f.Database.Factory.CreateDbContextAsync();
        var atlas = d.Files.Single(f => f.Role == FileRole.Atlas);
        var regions = db.AtlasRegions.Where(r => r.FileId == atlas.Id).ToList();
        Assert.Equal(116, regions.Count);
        Assert.Equal("Precentral_L", regions.Single(r => r.Value == 1).Name);
    }
}
