using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace NeuroLab.Web.Tests.Api;

/// <summary>GET /api/v1/datasets/{id}/files/{fileId}/onnx-graph lists what an uploaded ONNX model offers the onnx feature space.</summary>
public sealed class OnnxGraphApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task OnnxGraph_UploadedModel_ListsInputsAndNodeOutputs_OtherFilesAre422_OutsidersGet404()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        var staged = (await (await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", UploadsApiTests.Files(
            ("tiny.onnx", OnnxTestModels.ConvReluPool(channels: 3, side: 32)), ("notes.txt", "a note\n"u8.ToArray())))).JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(["Model", "Other"], staged.Select(s => s.GetProperty("suggestedRole").GetString()));
        var created = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new
        {
            name = "An ONNX model",
            files = new object[]
            {
                new { uploadId = staged[0].GetProperty("id").GetGuid(), role = "model" },
                new { uploadId = staged[1].GetProperty("id").GetGuid(), role = "other" },
            },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dataset = await created.JsonAsync();
        string id = dataset.GetProperty("dataset").GetProperty("id").GetString()!;
        var files = dataset.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("id").GetString()!);

        var graph = await (await alice.GetAsync($"/api/v1/datasets/{id}/files/{files["tiny.onnx"]}/onnx-graph")).JsonAsync();
        var notOnnx = await alice.GetAsync($"/api/v1/datasets/{id}/files/{files["notes.txt"]}/onnx-graph");
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        var outsider = await carol.GetAsync($"/api/v1/datasets/{id}/files/{files["tiny.onnx"]}/onnx-graph");

        var input = Assert.Single(graph.GetProperty("inputs").EnumerateArray());
        Assert.Equal(("X", "FLOAT"), (input.GetProperty("name").GetString(), input.GetProperty("elementType").GetString()));
        Assert.Equal([null, 3L, 32L, 32L], input.GetProperty("shape").EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Null ? (long?)null : d.GetInt64()));
        Assert.Equal([("pool", "GlobalAveragePool", true), ("conv", "Conv", false), ("relu", "Relu", false)],
            graph.GetProperty("outputs").EnumerateArray().Select(o => (o.GetProperty("name").GetString(), o.GetProperty("opType").GetString(), o.GetProperty("isGraphOutput").GetBoolean())));
        Assert.Equal((HttpStatusCode)422, notOnnx.StatusCode);
        Assert.Equal("application/problem+json", notOnnx.Content.Headers.ContentType?.MediaType);
        Assert.Contains("notes.txt is not an ONNX model", (await notOnnx.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        var openApi = await (await alice.GetAsync("/openapi/v1.json")).JsonAsync();
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/v1/datasets/{id}/files/{fileId}/onnx-graph", out var path), "onnx-graph is missing from OpenAPI");
        Assert.True(path.TryGetProperty("get", out _));
    }
}
