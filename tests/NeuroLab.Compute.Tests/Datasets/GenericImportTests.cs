using NeuroLab.Compute.Datasets;
using NeuroLab.Data.Datasets;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.Datasets;

/// <summary>Uploads without a sample recipe: responses, repeated trials, excluded units, atlas labels.</summary>
public sealed class GenericImportTests : IDisposable
{
    private readonly ImportFixture _f = new();
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-generic-").FullName;

    public void Dispose()
    {
        _f.Dispose();
        Directory.Delete(_temp, recursive: true);
    }

    private string Npy(string name, long[] shape, Func<long, float> value)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[count];
        for (long i = 0; i < count; i++)
        {
            data[i] = value(i);
        }
        var path = Path.Combine(_temp, name);
        NpyWriter.Write(path, new NumericArray(NumericType.Float32, shape, data));
        return path;
    }

    [Fact]
    public async Task ResponsesAndTrials_ConstantAndNaNUnitsExcludedFromBoth()
    {
        // 20 stimuli x 5 units; unit 2 is constant and unit 4 has a NaN: both are excluded and listed.
        var responses = Npy("responses.npy", [20, 5], i => i % 5 == 2 ? 7f : i == 44 ? float.NaN : (float)Math.Sin(i));
        var trials = Npy("trials.npy", [3, 20, 5], i => (float)Math.Cos(i));
        var id = await _f.Importer.ImportAsync(new DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Neurons", null, DatasetSpace.None,
        [
            new ImportSource("responses.npy", FileRole.Responses, responses),
            new ImportSource("trials.npy", FileRole.Trials, trials),
        ]));
        var detail = await _f.Datasets.GetAsync(_f.Alice, id);
        var set = Assert.Single(detail.ResponseSets);
        Assert.Equal(3, set.UnitCount);
        Assert.Equal("[2,4]", set.ExcludedUnitsJson);
        Assert.True(set.HasTrials);
        var entity = await _f.Datasets.GetResponseSetAsync(_f.Alice, id, set.Id);
        using var stream = _f.Store.OpenRead(entity.TrialsSha256!);
        var stored = NpyReader.Read(stream, "trials.npy");
        Assert.Equal([3L, 20, 3], stored.Shape);
        // Kept units 0, 1, 3: element [1, 2, 2] is original unit 3 at repeat 1, stimulus 2.
        Assert.Equal((float)Math.Cos(1 * 100 + 2 * 5 + 3), stored.AsSpan<float>()[(1 * 20 + 2) * 3 + 2]);
        Assert.Equal(20, detail.Summary.StimulusCount);
    }

    [Fact]
    public async Task TrialsWithWrongLayout_AreExplained()
    {
        var responses = Npy("responses.npy", [20, 5], i => (float)Math.Sin(i));
        var trials = Npy("trials.npy", [3, 5, 20], i => (float)Math.Cos(i));
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => _f.Importer.ImportAsync(new DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Neurons", null, DatasetSpace.None,
        [
            new ImportSource("responses.npy", FileRole.Responses, responses),
            new ImportSource("trials.npy", FileRole.Trials, trials),
        ])));
        Assert.Contains("[repeats, stimuli, units]", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllUnitsConstant_IsRefused()
    {
        var responses = Npy("flat.npy", [10, 4], _ => 1f);
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => _f.Importer.ImportAsync(new DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Flat", null, DatasetSpace.None,
            [new ImportSource("flat.npy", FileRole.Responses, responses)])));
        Assert.Contains("constant", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }
}

public sealed class StimulusTableTests : IDisposable
{
    private readonly ImportFixture _f = new();
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-table-").FullName;

    public void Dispose()
    {
        _f.Dispose();
        Directory.Delete(_temp, recursive: true);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_temp, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task CaptionsAndLabels_MatchImagesByName_CsvQuotingKept()
    {
        var table = Write("captions.csv", "name,label,caption\n01.png,animal face,\"a monkey's face, seen from the front\"\n00.png,human face,a smiling woman\n");
        var id = await _f.Importer.ImportAsync(new DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Two images", null, DatasetSpace.None,
        [
            new ImportSource("00.png", FileRole.StimulusImages, SharedData.Path("k92/images/00.png")),
            new ImportSource("01.png", FileRole.StimulusImages, SharedData.Path("k92/images/01.png")),
            new ImportSource("captions.csv", FileRole.StimulusTable, table),
        ]));
        var stimuli = await _f.Datasets.ListStimuliAsync(_f.Alice, id);
        Assert.Equal(["human face", "animal face"], stimuli.Select(s => s.Label));
        Assert.Equal("a monkey's face, seen from the front", stimuli[1].Caption);
    }

    [Fact]
    public async Task TableAlone_BecomesTheStimuli()
    {
        var table = Write("words.tsv", "id\tcaption\nw1\ta red apple\nw2\tn/a\n");
        var id = await _f.Importer.ImportAsync(new DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Words", null, DatasetSpace.None,
            [new ImportSource("words.tsv", FileRole.StimulusTable, table)]));
        var stimuli = await _f.Datasets.ListStimuliAsync(_f.Alice, id);
        Assert.Equal(["w1", "w2"], stimuli.Select(s => s.Name));
        Assert.Equal("a red apple", stimuli[0].Caption);
        Assert.Null(stimuli[1].Caption);
    }

    [Fact]
    public async Task UnknownNames_AreListed()
    {
        var table = Write("captions.csv", "name,caption\n99.png,nothing\n");
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => _f.Importer.ImportAsync(new DatasetImportRequest(_f.WorkspaceId, _f.Alice, "Bad", null, DatasetSpace.None,
        [
            new ImportSource("00.png", FileRole.StimulusImages, SharedData.Path("k92/images/00.png")),
            new ImportSource("captions.csv", FileRole.StimulusTable, table),
        ])));
        Assert.Contains("99.png", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }
}
