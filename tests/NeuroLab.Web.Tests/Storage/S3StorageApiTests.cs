using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;

namespace NeuroLab.Web.Tests.Storage;

/// <summary>The whole app with its content store in S3 (s3rver on loopback): import, run, download, nothing stored locally.</summary>
public sealed class S3StorageApiTests : IDisposable
{
    private S3TestStore? _s3;
    private NeuroLabAppFactory? _factory;

    public void Dispose()
    {
        _factory?.Dispose();
        _s3?.Dispose();
    }

    [S3Fact]
    public async Task ImportAndRidgeRun_S3Store_ArtifactsDownloadable_NoLocalBlobs()
    {
        _s3 = new S3TestStore();
        _factory = new NeuroLabAppFactory(settings: _s3.Settings);
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "allen-v1" })).JsonAsync();
        var datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString();

        var submitted = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
        {
            kind = "encoding-ridge",
            datasetId,
            seed = 3,
            parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString(), features = "gabor", imageSize = 31 },
        });
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var runId = (await submitted.JsonAsync()).GetProperty("id").GetString()!;
        var artifacts = await ApiClient.WaitForArtifactsAsync(alice, runId);

        var testR = artifacts.Single(a => a.GetProperty("name").GetString() == "test_r.npy");
        var npy = await alice.GetByteArrayAsync(testR.GetProperty("url").GetString());
        Assert.Equal(0x93, npy[0]);
        var sha = Convert.ToHexStringLower(SHA256.HashData(npy));
        var keys = await _s3.KeysAsync();
        Assert.Contains(_s3.Key(sha), keys);
        // The dataset's arrays and the run's artifacts are all objects in the bucket, none on local disk: only
        // scratch copies for path-based readers (named by hash, no .blob) and no store folder.
        Assert.True(keys.Count > artifacts.Count, $"{keys.Count} objects for {artifacts.Count} artifacts");
        Assert.Empty(Directory.GetFiles(_factory.DataDirectory, "*.blob", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(Path.Combine(_factory.DataDirectory, "store")));
    }

    [S3Fact]
    public void Startup_MissingBucketNotCreated_FailsNamingTheKey()
    {
        _s3 = new S3TestStore();
        var settings = new Dictionary<string, string?>(_s3.Settings)
        {
            ["NeuroLab:Storage:S3:Bucket"] = "no-such-bucket-" + Guid.NewGuid().ToString("N")[..8],
            ["NeuroLab:Storage:S3:CreateBucket"] = "false",
        };
        _factory = new NeuroLabAppFactory(settings: settings);
        var e = Assert.ThrowsAny<Exception>(() => _factory.CreateClient());
        Assert.Contains("NeuroLab:Storage:S3:Bucket", e.ToString(), StringComparison.Ordinal);
    }
}
