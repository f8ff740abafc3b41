using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace NeuroLab.Web.Tests.Api;

public sealed class DatasetsApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<(HttpClient Client, Guid Workspace)> OwnerAsync(string email = "alice@lab.org")
    {
        var client = await _factory.RegisterAndSignInAsync(email);
        var id = (await (await client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        return (client, id);
    }

    [Fact]
    public async Task Samples_ListsCatalogueWithChecksums()
    {
        var (alice, _) = await OwnerAsync();
        var samples = await (await alice.GetAsync("/api/v1/samples")).JsonAsync();
        var allen = samples.EnumerateArray().Single(s => s.GetProperty("key").GetString() == "allen-v1");
        Assert.Contains("Allen", allen.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.All(allen.GetProperty("files").EnumerateArray(), f => Assert.Equal(64, f.GetProperty("sha256").GetString()!.Length));
    }

    [Fact]
    public async Task AddSample_ThenReadDetailStimuliAndPreviews()
    {
        var (alice, ws) = await OwnerAsync();
        var created = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "allen-v1" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.JsonAsync();
        var id = body.GetProperty("dataset").GetProperty("id").GetGuid();
        Assert.Equal(118, body.GetProperty("stimuli").GetInt32());

        var detail = await (await alice.GetAsync($"/api/v1/datasets/{id}")).JsonAsync();
        var file = detail.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("name").GetString()!.EndsWith("Allen_train_output.npy", StringComparison.Ordinal));
        Assert.Equal([100L, 212], file.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("float64", file.GetProperty("dtype").GetString());
        Assert.Equal("Responses", file.GetProperty("role").GetString());

        var stimuli = await (await alice.GetAsync($"/api/v1/datasets/{id}/stimuli?take=5")).JsonAsync();
        var image = await alice.GetAsync(stimuli[0].GetProperty("imageUrl").GetString());
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);

        var set = detail.GetProperty("responseSets")[0].GetProperty("id").GetGuid();
        var heat = await alice.GetAsync($"/api/v1/datasets/{id}/responses/{set}/preview.png");
        Assert.Equal(HttpStatusCode.OK, heat.StatusCode);
        var png = await heat.Content.ReadAsByteArrayAsync();
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        var histogram = await (await alice.GetAsync($"/api/v1/datasets/{id}/responses/{set}/histogram")).JsonAsync();
        Assert.Equal(118 * detail.GetProperty("responseSets")[0].GetProperty("units").GetInt32(), histogram.GetProperty("counts").EnumerateArray().Sum(c => c.GetInt64()));
        var data = await alice.GetAsync($"/api/v1/datasets/{id}/responses/{set}/data.npy");
        Assert.Equal(0x93, (await data.Content.ReadAsByteArrayAsync())[0]);
        var preview = await alice.GetAsync($"/api/v1/datasets/{id}/files/{file.GetProperty("id").GetGuid()}/preview.png");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
    }

    [Fact]
    public async Task UploadRunsAndEvents_ThenCreate_FitsGlm()
    {
        var (alice, ws) = await OwnerAsync();
        var run = await File.ReadAllBytesAsync(SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz"));
        var events = await File.ReadAllBytesAsync(SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_events.tsv"));
        var mask = await File.ReadAllBytesAsync(SharedData.Path("haxby2001/sub001/masks/25mm/brain.nii.gz"));
        var staged = (await (await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", UploadsApiTests.Files(("bold.nii.gz", run), ("bold_events.tsv", events), ("brain.nii.gz", mask)))).JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(["Run", "Events", "Mask"], staged.Select(s => s.GetProperty("suggestedRole").GetString()));
        var created = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new
        {
            name = "Haxby run 1",
            space = "subject",
            files = new object[]
            {
                new { uploadId = staged[0].GetProperty("id").GetGuid(), role = "run", runIndex = 1 },
                new { uploadId = staged[1].GetProperty("id").GetGuid(), role = "events", runIndex = 1 },
                new { uploadId = staged[2].GetProperty("id").GetGuid(), role = "mask" },
            },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.JsonAsync();
        Assert.Equal(8, body.GetProperty("stimuli").GetInt32());
        Assert.Equal(129, body.GetProperty("responseSets")[0].GetProperty("units").GetInt32());
        // Saved uploads are no longer staged.
        Assert.Equal(0, (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/uploads")).JsonAsync()).GetArrayLength());
    }

    [Fact]
    public async Task CreateFromCorruptUpload_Is422_WithFileErrors_NoDataset()
    {
        var (alice, ws) = await OwnerAsync();
        var bytes = await File.ReadAllBytesAsync(SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz"));
        var staged = (await (await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", UploadsApiTests.Files(("bold.nii.gz", bytes[..5000])))).JsonAsync())[0];
        var created = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { name = "Broken", files = new[] { new { uploadId = staged.GetProperty("id").GetGuid(), role = "run" } } });
        Assert.Equal((HttpStatusCode)422, created.StatusCode);
        var problem = await created.JsonAsync();
        Assert.Equal("bold.nii.gz", problem.GetProperty("errors")[0].GetProperty("file").GetString());
        Assert.Equal(0, (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/datasets")).JsonAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Roles_ViewerReadsNotDeletes_OutsiderGets404()
    {
        var (alice, ws) = await OwnerAsync();
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "viewer" });
        var id = (await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "mni152" })).JsonAsync()).GetProperty("dataset").GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/v1/datasets/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.DeleteAsync($"/api/v1/datasets/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PatchAsJsonAsync($"/api/v1/datasets/{id}", new { name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync($"/api/v1/datasets/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "mni152" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PatchAsJsonAsync($"/api/v1/datasets/{id}", new { name = "MNI template" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/datasets/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/v1/datasets/{id}")).StatusCode);
    }

    [Fact]
    public async Task UnknownSample_Is404WithList()
    {
        var (alice, ws) = await OwnerAsync();
        var response = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "nope" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("allen-v1", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
