using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace NeuroLab.Web.Tests.Api;

/// <summary>The decoding kind over the API: a run with only the dataset (every parameter defaulted) and refusals.</summary>
public sealed class DecodingApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Decoding_OnlyTheDataset_RunsAndBadClassifierIs400()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Decoding" })).JsonAsync()).GetProperty("id").GetGuid();
        var haxby = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "haxby2001-sub1" })).JsonAsync();
        var datasetId = haxby.GetProperty("dataset").GetProperty("id").GetString()!;

        var bad = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = "decoding", datasetId, parameters = new { classifier = "random-forest" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("linear-svm", problem, StringComparison.Ordinal);
        Assert.Contains("correlation-nn", problem, StringComparison.Ordinal);
        Assert.Contains("pca-lda", problem, StringComparison.Ordinal);

        var unknownClass = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = "decoding", datasetId, parameters = new { classes = new[] { "face", "dog" } } });
        Assert.Equal(HttpStatusCode.BadRequest, unknownClass.StatusCode);
        Assert.Contains("house", await unknownClass.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var queued = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = "decoding", datasetId });
        Assert.Equal(HttpStatusCode.Created, queued.StatusCode);
        var id = (await queued.JsonAsync()).GetProperty("id").GetString()!;
        var artifacts = await ApiClient.WaitForArtifactsAsync(alice, id);
        Assert.Contains(artifacts, a => a.GetProperty("name").GetString() == "confusion.csv");
        var summary = (await (await alice.GetAsync($"/api/v1/runs/{id}")).JsonAsync()).GetProperty("summary");
        Assert.True(summary.GetProperty("accuracy").GetDouble() > summary.GetProperty("chance").GetDouble());
        Assert.Equal(JsonValueKind.Array, summary.GetProperty("confusion").ValueKind);
    }
}
