using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Storage;
using NeuroLab.Formats.Gifti;
using static NeuroLab.Web.Tests.Api.UploadsApiTests;

namespace NeuroLab.Web.Tests.Security;

/// <summary>
/// Tenant isolation (issue 9, findings 3 and 4). Runs and experiments: a caller who is a member of two workspaces
/// sends the ids of one through the other's route; nothing is created or audited, the answer is 404 (or 403 for a
/// Viewer of the route's workspace, 422 naming the parameter). GIFTI external data: a crafted .gii naming another
/// tenant's stored file — by blob name, hash, relative or absolute path — reads nothing and its error reveals
/// neither the blob's name nor its size; a .gii with its .dat in one request inspects and imports correctly.
/// </summary>
public sealed class SecurityRegressionTenancyTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private sealed record Counts(int Runs, int Experiments, int AuditEvents, int Datasets);

    private async Task<Counts> CountAsync()
    {
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<NeuroLabDbContext>>().CreateDbContextAsync();
        return new(await db.Runs.CountAsync(), await db.Experiments.CountAsync(), await db.AuditEvents.CountAsync(), await db.Datasets.CountAsync());
    }

    /// <summary>Alice owns X with allen-v1; Carol owns Y with mni152 and is an Editor of X; Dave is an Editor of X and a Viewer of Y.</summary>
    private async Task<(HttpClient Alice, HttpClient Carol, HttpClient Dave, Guid X, Guid Y, JsonElement Allen, Guid Mni)> TwoWorkspacesAsync()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        var dave = await _factory.RegisterAndSignInAsync("dave@lab.org");
        var x = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "X" })).JsonAsync()).GetProperty("id").GetGuid();
        var y = (await (await carol.PostAsJsonAsync("/api/v1/workspaces", new { name = "Y" })).JsonAsync()).GetProperty("id").GetGuid();
        await alice.PostAsJsonAsync($"/api/v1/workspaces/{x}/members", new { email = "carol@lab.org", role = "editor" });
        await alice.PostAsJsonAsync($"/api/v1/workspaces/{x}/members", new { email = "dave@lab.org", role = "editor" });
        await carol.PostAsJsonAsync($"/api/v1/workspaces/{y}/members", new { email = "dave@lab.org", role = "viewer" });
        var allen = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{x}/datasets", new { sample = "allen-v1" })).JsonAsync();
        var mni = (await (await carol.PostAsJsonAsync($"/api/v1/workspaces/{y}/datasets", new { sample = "mni152" })).JsonAsync()).GetProperty("dataset").GetProperty("id").GetGuid();
        return (alice, carol, dave, x, y, allen, mni);
    }

    private static object RidgeRun(Guid datasetId, JsonElement allen, Guid? experimentId = null) => new
    {
        kind = "encoding-ridge",
        datasetId,
        experimentId,
        parameters = new { responseSetId = allen.GetProperty("responseSets")[0].GetProperty("id").GetGuid(), features = "pixels", imageSize = 16 },
    };

    [Fact]
    public async Task RunSubmit_DatasetOfAnotherWorkspaceThroughThisRoute_Is404_NothingQueuedOrAudited()
    {
        var (_, carol, dave, x, y, allen, _) = await TwoWorkspacesAsync();
        var allenId = allen.GetProperty("dataset").GetProperty("id").GetGuid();
        var before = await CountAsync();

        var asEditor = await carol.PostAsJsonAsync($"/api/v1/workspaces/{y}/runs", RidgeRun(allenId, allen));
        var asViewer = await dave.PostAsJsonAsync($"/api/v1/workspaces/{y}/runs", RidgeRun(allenId, allen));

        Assert.Equal(HttpStatusCode.NotFound, asEditor.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asViewer.StatusCode);
        Assert.Equal(before, await CountAsync());
        Assert.Empty((await (await carol.GetAsync($"/api/v1/workspaces/{x}/runs")).JsonAsync()).EnumerateArray());
    }

    [Fact]
    public async Task RunSubmit_ExperimentOfAnotherWorkspace_Is404_NothingQueued()
    {
        var (alice, carol, _, x, y, allen, mni) = await TwoWorkspacesAsync();
        var allenId = allen.GetProperty("dataset").GetProperty("id").GetGuid();
        var experiment = (await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{x}/experiments", new { datasetId = allenId, name = "X's" })).JsonAsync()).GetProperty("id").GetGuid();
        var before = await CountAsync();

        var response = await carol.PostAsJsonAsync($"/api/v1/workspaces/{y}/runs", RidgeRun(mni, allen, experiment));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task ExperimentCreate_DatasetOfAnotherWorkspaceThroughThisRoute_Is404_NothingCreated()
    {
        var (_, carol, dave, _, y, allen, _) = await TwoWorkspacesAsync();
        var allenId = allen.GetProperty("dataset").GetProperty("id").GetGuid();
        var before = await CountAsync();

        var asEditor = await carol.PostAsJsonAsync($"/api/v1/workspaces/{y}/experiments", new { datasetId = allenId, name = "Hijack" });
        var asViewer = await dave.PostAsJsonAsync($"/api/v1/workspaces/{y}/experiments", new { datasetId = allenId, name = "Hijack" });

        Assert.Equal(HttpStatusCode.NotFound, asEditor.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asViewer.StatusCode);
        Assert.Equal(before, await CountAsync());
        Assert.Empty((await (await carol.GetAsync($"/api/v1/workspaces/{y}/experiments")).JsonAsync()).EnumerateArray());
    }

    [Fact]
    public async Task RunSubmit_ParametersNamingAnotherWorkspace_AreRefusedNamingTheField_NothingQueued()
    {
        var (_, carol, _, x, y, allen, mni) = await TwoWorkspacesAsync();
        var allenId = allen.GetProperty("dataset").GetProperty("id").GetGuid();
        // A succeeded encoding run of X, written directly: only its id matters to the check.
        var encodingRun = new Run
        {
            WorkspaceId = x, DatasetId = allenId, Kind = "encoding-ridge", Status = RunStatus.Succeeded, ParametersJson = "{}",
            DatasetChecksum = "x", CreatedByUserId = "alice", CreatedAtUtc = DateTime.UtcNow,
        };
        await using (var db = await _factory.Services.GetRequiredService<IDbContextFactory<NeuroLabDbContext>>().CreateDbContextAsync())
        {
            db.Runs.Add(encodingRun);
            await db.SaveChangesAsync();
        }
        var before = await CountAsync();

        var responseSet = await carol.PostAsJsonAsync($"/api/v1/workspaces/{y}/runs", RidgeRun(mni, allen));
        var captions = await carol.PostAsJsonAsync($"/api/v1/workspaces/{y}/runs", new { kind = "voxel-captions", datasetId = mni, parameters = new { encodingRunId = encodingRun.Id } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, responseSet.StatusCode);
        Assert.Contains("Response set", (await responseSet.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, captions.StatusCode);
        Assert.Contains("Encoding run", (await captions.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task DatasetCreateAndUploads_UploadOfAnotherWorkspaceThroughThisRoute_AreNotFound_NothingCreated()
    {
        var (_, carol, _, x, y, _, _) = await TwoWorkspacesAsync();
        var staged = (await (await carol.PostAsync($"/api/v1/workspaces/{x}/uploads", Files(("table.csv", Encoding.UTF8.GetBytes("a,b\n1,2\n3,4\n"))))).JsonAsync())[0];
        var uploadId = staged.GetProperty("id").GetGuid();
        var before = await CountAsync();

        var created = await carol.PostAsJsonAsync($"/api/v1/workspaces/{y}/datasets", new { name = "Moved", files = new[] { new { uploadId, role = "responses" } } });
        var preview = await carol.GetAsync($"/api/v1/workspaces/{y}/uploads/{uploadId}/preview.png");
        var deleted = await carol.DeleteAsync($"/api/v1/workspaces/{y}/uploads/{uploadId}");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, created.StatusCode);
        Assert.Contains("not one of yours in this workspace", (await created.JsonAsync()).GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, preview.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
        Assert.Equal(before, await CountAsync());
        Assert.Single((await (await carol.GetAsync($"/api/v1/workspaces/{x}/uploads")).JsonAsync()).EnumerateArray());
    }

    [Fact]
    public async Task ViewerOverlay_VolumeOfAnotherWorkspaceThroughThisRoute_Is404()
    {
        var (alice, carol, _, x, y, _, mni) = await TwoWorkspacesAsync();
        var imported = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{x}/datasets", new { sample = "mni152" })).JsonAsync();
        var xDataset = imported.GetProperty("dataset").GetProperty("id").GetGuid();
        var xMni = imported.GetProperty("files")[0].GetProperty("id").GetGuid();

        var response = await carol.GetAsync($"/api/v1/workspaces/{y}/viewer/surface-overlay.gii?volume=file:{xDataset}:{xMni}&surfaces={mni}&hemi=left");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    // ---- GIFTI external data (finding 3) ----

    /// <summary>A per-vertex float32 map of <paramref name="count"/> values kept in an external file.</summary>
    private static byte[] ExternalGifti(string externalFileName, int count = 3, long offset = 0) => Encoding.UTF8.GetBytes(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><GIFTI Version=\"1.0\" NumberOfDataArrays=\"1\">"
        + $"<DataArray Intent=\"NIFTI_INTENT_SHAPE\" DataType=\"NIFTI_TYPE_FLOAT32\" ArrayIndexingOrder=\"RowMajorOrder\" Dimensionality=\"1\" Dim0=\"{count}\" "
        + $"Encoding=\"ExternalFileBinary\" Endian=\"LittleEndian\" ExternalFileName=\"{externalFileName}\" ExternalFileOffset=\"{offset}\"><Data/></DataArray></GIFTI>");

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }
        return bytes;
    }

    private async Task<(HttpClient Client, Guid Workspace)> OwnerAsync(string email, string workspace)
    {
        var client = await _factory.RegisterAndSignInAsync(email);
        var id = (await (await client.PostAsJsonAsync("/api/v1/workspaces", new { name = workspace })).JsonAsync()).GetProperty("id").GetGuid();
        return (client, id);
    }

    [Fact]
    public async Task GiftiUpload_NamingAnotherTenantsBlob_ReadsNothing_AndRevealsNeitherItsNameNorSize()
    {
        var (alice, a) = await OwnerAsync("alice@lab.org", "A");
        var (bob, b) = await OwnerAsync("bob@lab.org", "B");
        var secret = new byte[4099];
        Random.Shared.NextBytes(secret);
        var aliceUpload = (await (await alice.PostAsync($"/api/v1/workspaces/{a}/uploads", Files(("secret.dat", secret)))).JsonAsync())[0];
        var store = _factory.Services.GetRequiredService<ContentStore>();
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(secret));
        var blobPath = store.LocalPath(sha);
        Assert.True(File.Exists(blobPath));
        Assert.Equal("secret.dat", aliceUpload.GetProperty("fileName").GetString());
        var blobName = Path.GetFileName(blobPath);
        string[] names = [blobName, sha, $"../../{sha[..2]}/{sha[2..4]}/{blobName}", blobPath, "secret.dat"];

        foreach (var name in names)
        {
            var staged = (await (await bob.PostAsync($"/api/v1/workspaces/{b}/uploads", Files(("crafted.gii", ExternalGifti(name, count: 1024))))).JsonAsync())[0];

            var error = staged.GetProperty("error").GetString();
            Assert.NotNull(error);
            Assert.Equal(JsonValueKind.Null, staged.GetProperty("format").ValueKind);
            Assert.DoesNotContain(sha, error, StringComparison.Ordinal);
            Assert.DoesNotContain(sha[..12], error, StringComparison.Ordinal);
            Assert.DoesNotContain("4,099", error, StringComparison.Ordinal);
            Assert.DoesNotContain("4099", error, StringComparison.Ordinal);
            Assert.DoesNotContain(store.Root, error, StringComparison.Ordinal);
            Assert.StartsWith("crafted.gii: ", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("../x.dat", "leaves the .gii's folder")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("C:\\x", "absolute path")]
    public async Task GiftiUpload_PathTraversalName_IsRefusedWithAClearMessage(string name, string expected)
    {
        var (bob, b) = await OwnerAsync("bob@lab.org", "B");

        var staged = (await (await bob.PostAsync($"/api/v1/workspaces/{b}/uploads", Files(("lh.gii", ExternalGifti(name)), ("x.dat", Floats(1, 2, 3))))).JsonAsync())[0];

        Assert.Contains(expected, staged.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task GiftiUpload_WithItsDataFileInOneRequest_InspectsAndImportsTheValues(bool giiFirst)
    {
        var (alice, a) = await OwnerAsync("alice@lab.org", "A");
        float[] values = [0.5f, -1.25f, 3e-8f];
        (string, byte[])[] files = [("lh.thickness.gii", ExternalGifti("lh.thickness.dat", offset: 4)), ("lh.thickness.dat", [9, 9, 9, 9, .. Floats(values)])];
        if (!giiFirst)
        {
            Array.Reverse(files);
        }

        var staged = (await (await alice.PostAsync($"/api/v1/workspaces/{a}/uploads", Files(files))).JsonAsync()).EnumerateArray().ToDictionary(s => s.GetProperty("fileName").GetString()!);

        var gii = staged["lh.thickness.gii"];
        var dat = staged["lh.thickness.dat"];
        Assert.Equal(JsonValueKind.Null, gii.GetProperty("error").ValueKind);
        Assert.Equal("gifti", gii.GetProperty("format").GetString());
        Assert.Equal([3L], gii.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(JsonValueKind.Null, dat.GetProperty("error").ValueKind);
        Assert.Equal("gifti-external", dat.GetProperty("format").GetString());

        var created = await alice.PostAsJsonAsync($"/api/v1/workspaces/{a}/datasets", new
        {
            name = "Thickness",
            space = "fsaverage5",
            files = new[] { new { uploadId = gii.GetProperty("id").GetGuid(), role = "surfacedata" }, new { uploadId = dat.GetProperty("id").GetGuid(), role = "other" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var detail = await created.JsonAsync();
        var datasetId = detail.GetProperty("dataset").GetProperty("id").GetGuid();
        var giiFile = detail.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "lh.thickness.gii");
        var bytes = await alice.GetByteArrayAsync($"/api/v1/datasets/{datasetId}/files/{giiFile.GetProperty("id").GetGuid()}");
        // The stored .gii is self-contained: read without any companion file.
        var gifti = GiftiReader.Read(new MemoryStream(bytes), "lh.thickness.gii");
        Assert.Equal(GiftiEncoding.GZipBase64Binary, gifti.DataArrays[0].Encoding);
        Assert.Equal(values, gifti.DataArrays[0].Array.AsSpan<float>().ToArray());
    }

    [Fact]
    public async Task GiftiUpload_DataFileFromAnotherRequestOrUser_IsNotUsed()
    {
        var (alice, a) = await OwnerAsync("alice@lab.org", "A");
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        await alice.PostAsJsonAsync($"/api/v1/workspaces/{a}/members", new { email = "bob@lab.org", role = "editor" });
        await bob.PostAsync($"/api/v1/workspaces/{a}/uploads", Files(("rh.dat", Floats(1, 2, 3))));
        var aliceDat = (await (await alice.PostAsync($"/api/v1/workspaces/{a}/uploads", Files(("lh.dat", Floats(1, 2, 3))))).JsonAsync())[0];

        var ownEarlier = (await (await alice.PostAsync($"/api/v1/workspaces/{a}/uploads", Files(("lh.gii", ExternalGifti("lh.dat"))))).JsonAsync())[0];
        var othersFile = (await (await alice.PostAsync($"/api/v1/workspaces/{a}/uploads", Files(("rh.gii", ExternalGifti("rh.dat"))))).JsonAsync())[0];

        Assert.Contains("not uploaded together with lh.gii", ownEarlier.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("not uploaded together with rh.gii", othersFile.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.NotEqual("gifti-external", aliceDat.GetProperty("format").GetString());
    }
}
