using System.Net;
using System.Net.Http.Json;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Web.Tests.Api;

/// <summary>GET /api/v1/datasets/{id}/features/{space}.npy on the Allen V1 sample (118 natural scenes, 31x31 grey).</summary>
public sealed class DatasetFeaturesApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<(HttpClient Alice, string DatasetId)> DatasetAsync()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetString();
        var created = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "allen-v1" })).JsonAsync();
        return (alice, created.GetProperty("dataset").GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task Features_PixelsAndResNetPool_AreFloat32NpyStimuliByFeatures()
    {
        var (alice, id) = await DatasetAsync();

        var pixels = await alice.GetAsync($"/api/v1/datasets/{id}/features/pixels.npy?imageSize=16");
        Assert.Equal(HttpStatusCode.OK, pixels.StatusCode);
        var matrix = NpyReader.Read(await pixels.Content.ReadAsStreamAsync(), "pixels.npy");
        Assert.Equal(NeuroLab.Formats.NumericType.Float32, matrix.Type);
        Assert.Equal(new long[] { 118, 256 }, matrix.Shape.ToArray());

        var pool = await alice.GetAsync($"/api/v1/datasets/{id}/features/resnet18:pool.npy");
        Assert.Equal(HttpStatusCode.OK, pool.StatusCode);
        var features = NpyReader.Read(await pool.Content.ReadAsStreamAsync(), "pool.npy");
        Assert.Equal(new long[] { 118, 512 }, features.Shape.ToArray());
        Assert.Contains(features.ToFloat32(), v => v > 0);

        var reduced = NpyReader.Read(await (await alice.GetAsync($"/api/v1/datasets/{id}/features/resnet18:layer2.npy?poolGrid=1&featurePcaComponents=20")).Content.ReadAsStreamAsync(), "l2.npy");
        Assert.Equal(new long[] { 118, 20 }, reduced.Shape.ToArray());
    }

    [Fact]
    public async Task Features_UnknownSpace400WithAllowed_BadGrid422_Outsider404()
    {
        var (alice, id) = await DatasetAsync();
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");

        var unknown = await alice.GetAsync($"/api/v1/datasets/{id}/features/resnet18:layer9.npy");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        var detail = (await unknown.JsonAsync()).GetProperty("detail").GetString()!;
        Assert.Contains("unknown feature space 'resnet18:layer9'", detail, StringComparison.Ordinal);
        Assert.Contains("resnet18:layer4", detail, StringComparison.Ordinal);

        var grid = await alice.GetAsync($"/api/v1/datasets/{id}/features/resnet18:layer4.npy?poolGrid=9");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, grid.StatusCode);
        Assert.Contains("poolGrid", (await grid.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync($"/api/v1/datasets/{id}/features/pixels.npy")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync($"/api/v1/datasets/{id}/features/resnet18:nope.npy")).StatusCode);

        var openApi = await (await alice.GetAsync("/openapi/v1.json")).JsonAsync();
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/v1/datasets/{id}/features/{space}.npy", out _), "features download is missing from OpenAPI");
    }
}
