using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Formats.Numpy;
using NeuroLab.Tests.Shared.ToyKind;
using NeuroLab.Web.Tests.Security;

namespace NeuroLab.Web.Tests.Api;

/// <summary>The app with the toy run kind of the tests registered (one line), and Alice with the Allen V1 sample.</summary>
public sealed class ToyKindFixture : IAsyncLifetime
{
    public NeuroLabAppFactory Factory { get; } = new(services: services => services.AddRunKind<ToyParameters, ToySummary, ToyJob>());

    public HttpClient Alice { get; private set; } = null!;

    public Guid WorkspaceId { get; private set; }

    public string DatasetId { get; private set; } = "";

    public string ResponseSetId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Alice = await Factory.RegisterAndSignInAsync("alice@lab.org");
        WorkspaceId = (await (await Alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Toys" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await Alice.PostAsJsonAsync($"/api/v1/workspaces/{WorkspaceId}/datasets", new { sample = "allen-v1" })).JsonAsync();
        DatasetId = dataset.GetProperty("dataset").GetProperty("id").GetString()!;
        ResponseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString()!;
    }

    public Task DisposeAsync()
    {
        Factory.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// A run kind added from the tests alone (its folder + one registration) is listed at /api/v1/run-kinds, documented
/// in OpenAPI (parameters and summary schemas), validated in one place (unknown values 400, ranges 422), runs, and
/// returns its typed summary and its artifacts with their roles.
/// </summary>
public sealed class ToyRunKindApiTests(ToyKindFixture f) : IClassFixture<ToyKindFixture>
{
    [Fact]
    public async Task RunKinds_ListTheToyKindNextToTheProductKinds_WithDefaultsAndArtifactRoles()
    {
        var kinds = await (await f.Alice.GetAsync("/api/v1/run-kinds")).JsonAsync();

        var names = kinds.EnumerateArray().Select(k => k.GetProperty("name").GetString()).ToList();
        Assert.Equal([RunKindNames.Decoding, RunKindNames.EncodingHierarchy, RunKindNames.EncodingReadout, RunKindNames.EncodingRidge, RunKindNames.ReconstructionDecoder, RunKindNames.ReconstructionFeatures, RunKindNames.ReconstructionGenerative, RunKindNames.ReconstructionRidge, ToyJob.Name, RunKindNames.VoxelCaptions], names);
        var toy = kinds.EnumerateArray().Single(k => k.GetProperty("name").GetString() == ToyJob.Name);
        Assert.Equal(ToyJob.Info.Label, toy.GetProperty("label").GetString());
        Assert.Equal("ResponseSet", toy.GetProperty("input").GetString());
        Assert.Equal("mean", toy.GetProperty("defaults").GetProperty("statistic").GetString());
        Assert.Equal(1.0, toy.GetProperty("defaults").GetProperty("scale").GetDouble());
        Assert.Equal(("ToyParameters", "ToySummary", 1), (toy.GetProperty("parametersSchema").GetString(), toy.GetProperty("summarySchema").GetString(), toy.GetProperty("summaryVersion").GetInt32()));
        var artifact = Assert.Single(toy.GetProperty("artifacts").EnumerateArray());
        Assert.Equal(("unit_statistic.npy", "unit-scores", "npy"), (artifact.GetProperty("fileName").GetString(), artifact.GetProperty("role").GetString(), artifact.GetProperty("format").GetString()));
        var ridge = kinds.EnumerateArray().Single(k => k.GetProperty("name").GetString() == RunKindNames.EncodingRidge);
        Assert.Contains(ridge.GetProperty("artifacts").EnumerateArray(), a => a.GetProperty("fileName").GetString() == "test_r.nii.gz" && a.GetProperty("role").GetString() == "volume-map");
    }

    [Fact]
    public async Task OpenApi_DocumentsEveryKindsParametersAndSummary()
    {
        var schemas = (await (await f.Alice.GetAsync("/openapi/v1.json")).JsonAsync()).GetProperty("components").GetProperty("schemas");

        Assert.True(schemas.GetProperty("ToyParameters").GetProperty("properties").TryGetProperty("statistic", out _));
        Assert.True(schemas.GetProperty("ToySummary").GetProperty("properties").TryGetProperty("averageOverUnits", out _));
        Assert.True(schemas.GetProperty("EncodingRidgeParameters").GetProperty("properties").TryGetProperty("features", out _));
        Assert.True(schemas.GetProperty("EncodingRidgeSummary").GetProperty("properties").TryGetProperty("meanTestR", out _));
        Assert.True(schemas.GetProperty("EncodingReadoutSummary").GetProperty("properties").TryGetProperty("trainingCurve", out _));
        Assert.True(schemas.GetProperty("VoxelCaptionsParameters").GetProperty("properties").TryGetProperty("encodingRunId", out _));
        Assert.True(schemas.GetProperty("VoxelCaptionsSummary").GetProperty("properties").TryGetProperty("meanSentenceScore", out _));
        Assert.True(schemas.GetProperty("ReconstructionRidgeSummary").GetProperty("properties").TryGetProperty("scores", out _));
    }

    [Theory]
    [InlineData("{\"statistic\":\"median\"}", 400, "Unknown statistic 'median'. Use mean (over the stimuli) or max (over the stimuli).")]
    [InlineData("{\"statistc\":\"max\"}", 400, "Unknown parameter 'statistc' for toy-unit-statistic. Known parameters: responseSetId, scale, statistic.")]
    [InlineData("{\"scale\":\"big\"}", 400, "Parameters could not be read:")]
    [InlineData("{\"scale\":1000}", 422, "scale must be a number between -100 and 100")]
    public async Task Submit_BadToyParameters_AreRefusedByTheKindsOneValidation(string extra, int status, string expected)
    {
        var parameters = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(extra)!;
        parameters["responseSetId"] = JsonSerializer.SerializeToElement(f.ResponseSetId);

        var response = await f.Alice.PostAsJsonAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs", new { kind = ToyJob.Name, datasetId = f.DatasetId, parameters });

        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Submit_UnknownKind_Is400ListingTheKinds()
    {
        var response = await f.Alice.PostAsJsonAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs", new { kind = "toy-unknown", datasetId = f.DatasetId, parameters = new { } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"Known kinds: decoding, encoding-hierarchy, encoding-readout, encoding-ridge, reconstruction-decoder, reconstruction-features, reconstruction-generative, reconstruction-ridge, {ToyJob.Name}, voxel-captions.", (await response.JsonAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ToyRun_Runs_ReturnsItsTypedSummary_AndItsUnitScoresByRole()
    {
        var created = await f.Alice.PostAsJsonAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs",
            new { kind = ToyJob.Name, datasetId = f.DatasetId, parameters = new { responseSetId = f.ResponseSetId, statistic = "max", scale = 2.0 } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("id").GetString();

        var run = await WaitFinishedAsync(id!);

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        var summary = run.GetProperty("summary");
        Assert.Equal(1, summary.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("max", summary.GetProperty("statistic").GetString());
        // Independent check: 2 x each unit's maximum over the stimuli of the response set the API serves, averaged.
        var responses = NpyReader.Read(new MemoryStream(await f.Alice.GetByteArrayAsync($"/api/v1/datasets/{f.DatasetId}/responses/{f.ResponseSetId}/data.npy")), "data.npy").ToCOrder();
        int stimuli = (int)responses.Shape[0], units = (int)responses.Shape[1];
        var values = responses.ToFloat64();
        double expected = Enumerable.Range(0, units).Average(u => 2 * Enumerable.Range(0, stimuli).Max(s => values[(long)s * units + u]));
        Assert.Equal(units, summary.GetProperty("units").GetInt32());
        Assert.Equal(expected, summary.GetProperty("averageOverUnits").GetDouble(), 1e-9);
        var artifact = Assert.Single((await (await f.Alice.GetAsync($"/api/v1/runs/{id}/artifacts")).JsonAsync()).EnumerateArray());
        Assert.Equal(("unit_statistic.npy", "unit-scores"), (artifact.GetProperty("name").GetString(), artifact.GetProperty("role").GetString()));
    }

    private async Task<JsonElement> WaitFinishedAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var run = await (await f.Alice.GetAsync($"/api/v1/runs/{id}")).JsonAsync();
            if (run.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled" || DateTime.UtcNow > deadline)
            {
                return run;
            }
            await Task.Delay(100);
        }
    }
}
