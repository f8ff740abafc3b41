using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Web.Tests.Api;

/// <summary>
/// The networks kind over the REST API on the ABIDE CC200 sample: offered for the dataset (which has no response set),
/// <c>{"kind":"networks"}</c> with only the dataset runs and returns its summary and artifacts, and a bad measure is a
/// 400 listing the allowed ones in the form's words.
/// </summary>
public sealed class NetworksApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<(HttpClient Alice, Guid Workspace, string Dataset)> AbideAsync()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Networks" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "abide-cc200" })).JsonAsync();
        return (alice, ws, dataset.GetProperty("dataset").GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task Submit_OnlyTheDataset_Runs_SummaryAndArtifacts()
    {
        var (alice, ws, dataset) = await AbideAsync();
        var kinds = await (await alice.GetAsync($"/api/v1/datasets/{dataset}/run-kinds")).JsonAsync();
        Assert.Contains(kinds.EnumerateArray(), k => k.GetProperty("kind").GetString() == "networks" && k.GetProperty("fits").GetBoolean());

        var created = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = "networks", datasetId = dataset });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var runId = (await created.JsonAsync()).GetProperty("id").GetString()!;
        var artifacts = await ApiClient.WaitForArtifactsAsync(alice, runId);
        var names = artifacts.Select(a => a.GetProperty("name").GetString()).ToList();
        Assert.Contains("connectivity_Pitt_0050003.npy", names);
        Assert.Contains("connectivity_NYU_0050952.npy", names);
        Assert.Contains("nodes.csv", names);
        Assert.Contains("edges.csv", names);
        Assert.Contains("group_difference.csv", names);
        var summary = (await (await alice.GetAsync($"/api/v1/runs/{runId}")).JsonAsync()).GetProperty("summary");
        Assert.Equal(200, summary.GetProperty("rois").GetInt32());
        Assert.Equal(2, summary.GetProperty("subjects").GetArrayLength());
        // Pearson has no shrinkage: the undefined number travels as null rather than breaking the JSON.
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("subjects")[0].GetProperty("shrinkage").ValueKind);

        var url = artifacts.Single(a => a.GetProperty("name").GetString() == "connectivity_Pitt_0050003.npy").GetProperty("url").GetString()!;
        await using var stream = await alice.GetStreamAsync(url);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        copy.Position = 0;
        Assert.Equal([200L, 200], NpyReader.Read(copy, "connectivity.npy").Shape);
    }

    [Theory]
    [InlineData("{\"measure\":\"spearman\"}", "Unknown measure 'spearman'. Use pearson (Pearson correlation (Fisher z)) or partial (Partial correlation, Ledoit-Wolf (Fisher z)).")]
    [InlineData("{\"threshold\":\"top\"}", "Unknown threshold 'top'. Use proportional (Proportional (density of strongest edges)) or absolute (Absolute (|z| above a value)).")]
    public async Task Submit_BadMeasureOrThreshold_Is400ListingTheAllowedOnes(string parameters, string expected)
    {
        var (alice, ws, dataset) = await AbideAsync();

        var response = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = "networks", datasetId = dataset, parameters = JsonDocument.Parse(parameters).RootElement });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Contains(expected, errors);
    }
}
