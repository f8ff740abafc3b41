using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NeuroLab.Formats.Numpy;
using NeuroLab.Web.Reconstructions;
using SkiaSharp;

namespace NeuroLab.Web.Tests.Api;

/// <summary>
/// The images of a reconstruction-ridge run on the van Gerven digits (10 test digits, 28x28) over the REST API: each
/// PNG decodes to the expected size and its pixels are the .npy values (as 0..255 grey, rounded: tolerance 1 level).
/// </summary>
public sealed class ReconstructionsApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<(HttpClient Alice, string RunId, List<JsonElement> Artifacts)> DigitsRunAsync()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "vangerven-digits" })).JsonAsync();
        var run = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
        {
            kind = "reconstruction-ridge",
            datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString(),
            parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString() },
        })).JsonAsync();
        var runId = run.GetProperty("id").GetString()!;
        return (alice, runId, await ApiClient.WaitForArtifactsAsync(alice, runId));
    }

    private static async Task<float[]> NpyAsync(HttpClient client, List<JsonElement> artifacts, string name)
    {
        var url = artifacts.Single(a => a.GetProperty("name").GetString() == name).GetProperty("url").GetString()!;
        await using var stream = await client.GetStreamAsync(url);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        copy.Position = 0;
        return [.. NpyReader.Read(copy, name).ToCOrder().ToFloat64().Select(v => (float)v)];
    }

    private static async Task<SKBitmap> PngAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        return SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync()) ?? throw new InvalidOperationException("Not a PNG.");
    }

    private static void AssertGrey(SKBitmap png, int x, int y, float expected) =>
        Assert.InRange(png.GetPixel(x, y).Red, Math.Max(0, ReconstructionImages.Grey(expected) - 1), Math.Min(255, ReconstructionImages.Grey(expected) + 1));

    [Fact]
    public async Task Images_DigitsRidgeRun_DecodeAtFourTimesTheGrid_PixelsAreTheNpyValues()
    {
        var (alice, runId, artifacts) = await DigitsRunAsync();
        var targets = await NpyAsync(alice, artifacts, "targets.npy");
        var recon = await NpyAsync(alice, artifacts, "reconstructions.npy");

        using var target = await PngAsync(await alice.GetAsync($"/api/v1/runs/{runId}/reconstructions/3.png?which=target"));
        using var reconstruction = await PngAsync(await alice.GetAsync($"/api/v1/runs/{runId}/reconstructions/3.png"));
        // 28x28 enlarged 4x (nearest neighbour) to 112x112.
        Assert.Equal((112, 112), (target.Width, target.Height));
        Assert.Equal((112, 112), (reconstruction.Width, reconstruction.Height));
        foreach (var (y, x) in new[] { (0, 0), (14, 14), (10, 20), (27, 27), (5, 13) })
        {
            AssertGrey(target, (x * 4) + 3, (y * 4) + 2, targets[(3 * 784) + (y * 28) + x]);
            AssertGrey(reconstruction, (x * 4) + 1, y * 4, recon[(3 * 784) + (y * 28) + x]);
        }
    }

    [Fact]
    public async Task Grid_DigitsRidgeRun_OriginalsAboveReconstructionsAboveRetrieved_BoundedSize_PixelsAreTheNpyValues()
    {
        var (alice, runId, artifacts) = await DigitsRunAsync();
        var targets = await NpyAsync(alice, artifacts, "targets.npy");
        var recon = await NpyAsync(alice, artifacts, "reconstructions.npy");
        var retrieved = (await NpyAsync(alice, artifacts, "retrieved_index.npy")).Select(v => (int)v).ToArray();
        var gallery = new ReconstructionGallery(null!, 10, 28, 28, targets, recon, [], [], [.. Enumerable.Range(0, 10).Select(i => new ReconstructionItem(i, "", new Dictionary<string, double>(), retrieved[i]))], null, null);

        var response = await alice.GetAsync($"/api/v1/runs/{runId}/reconstructions.png");
        using var grid = await PngAsync(response);
        // Label column 176 + 10 cells of 84 + gaps of 4; three rows of 84 + gaps in one block (the ridge's reconstructions
        // retrieve among the test images by their pixels, so the test image ranked first is the third row).
        Assert.Equal((176 + (10 * 88) + 4, (3 * 88) + 8 + 4), (grid.Width, grid.Height));
        foreach (var index in new[] { 0, 4, 9 })
        {
            foreach (var (y, x) in new[] { (14, 14), (3, 25), (20, 8) })
            {
                var (tx, ty) = ReconstructionImages.GridPixel(gallery, index, 0, y, x);
                AssertGrey(grid, tx, ty, targets[(index * 784) + (y * 28) + x]);
                var (rx, ry) = ReconstructionImages.GridPixel(gallery, index, 1, y, x);
                AssertGrey(grid, rx, ry, recon[(index * 784) + (y * 28) + x]);
                var (qx, qy) = ReconstructionImages.GridPixel(gallery, index, 2, y, x);
                AssertGrey(grid, qx, qy, targets[(retrieved[index] * 784) + (y * 28) + x]);
            }
        }
        Assert.Contains("reconstructions", response.Content.Headers.ContentDisposition?.FileName ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Images_BadRequests_AreProblemDetails_OutsiderGets404()
    {
        var (alice, runId, _) = await DigitsRunAsync();
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");

        var beyond = await alice.GetAsync($"/api/v1/runs/{runId}/reconstructions/10.png");
        Assert.Equal(HttpStatusCode.NotFound, beyond.StatusCode);
        Assert.Equal("application/problem+json", beyond.Content.Headers.ContentType?.MediaType);
        Assert.Contains("10 test images", (await beyond.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var which = await alice.GetAsync($"/api/v1/runs/{runId}/reconstructions/0.png?which=everything");
        Assert.Equal(HttpStatusCode.BadRequest, which.StatusCode);
        Assert.Equal("application/problem+json", which.Content.Headers.ContentType?.MediaType);
        // Ridge retrieves by pixels among the test images: the retrieved image is the test image ranked first.
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/v1/runs/{runId}/reconstructions/0.png?which=retrieved")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync($"/api/v1/runs/{runId}/reconstructions.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync($"/api/v1/runs/{runId}/reconstructions/0.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/v1/runs/{Guid.NewGuid()}/reconstructions.png")).StatusCode);

        var openApi = await (await alice.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync();
        Assert.Contains("/api/v1/runs/{id}/reconstructions.png", openApi, StringComparison.Ordinal);
        Assert.Contains("/api/v1/runs/{id}/reconstructions/{index}.png", openApi, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Images_AfterTheFirst_ComeFromTheLoadedGallery_NotTheStore()
    {
        var (alice, runId, _) = await DigitsRunAsync();
        var first = await (await alice.GetAsync($"/api/v1/runs/{runId}/reconstructions/3.png")).Content.ReadAsByteArrayAsync();

        // A page asks for every image of the gallery: the arrays are read once, not once per image.
        var blobs = Directory.GetFiles(_factory.DataDirectory, "*.blob", SearchOption.AllDirectories);
        Assert.NotEmpty(blobs);
        foreach (var blob in blobs)
        {
            File.Delete(blob);
        }
        var again = await alice.GetAsync($"/api/v1/runs/{runId}/reconstructions/3.png");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(first, await again.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/v1/runs/{runId}/reconstructions/7.png?which=target")).StatusCode);
    }
}
