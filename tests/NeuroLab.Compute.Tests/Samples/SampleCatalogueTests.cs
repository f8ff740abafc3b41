using System.Net;
using System.Security.Cryptography;
using NeuroLab.Compute.Samples;
using NeuroLab.Data.Datasets;

namespace NeuroLab.Compute.Tests.Samples;

public sealed class SampleCatalogueTests : IDisposable
{
    private readonly string _downloads = Directory.CreateTempSubdirectory("neurolab-samples-").FullName;

    public void Dispose() => Directory.Delete(_downloads, recursive: true);

    [Fact]
    public void BuiltIn_HasTheRequiredSamples_WithCompleteMetadata()
    {
        var catalogue = SampleCatalogue.LoadBuiltIn();
        string[] required = ["haxby2001-sub1", "allen-v1", "vangerven-digits", "kriegeskorte-92", "kay2008-pool", "abide-cc200", "mni152", "colin27", "aal", "fsaverage5"];
        Assert.All(required, key => Assert.NotNull(catalogue.Find(key)));
        foreach (var sample in catalogue.Samples)
        {
            Assert.False(string.IsNullOrWhiteSpace(sample.Title));
            Assert.False(string.IsNullOrWhiteSpace(sample.Description));
            Assert.False(string.IsNullOrWhiteSpace(sample.Citation));
            Assert.False(string.IsNullOrWhiteSpace(sample.Licence));
            Assert.True(Enum.TryParse<DatasetSpace>(sample.Space, out _), sample.Key);
            Assert.NotEmpty(sample.Files);
            Assert.All(sample.Files, f =>
            {
                Assert.True(Enum.TryParse<FileRole>(f.Role, out _), $"{sample.Key}/{f.Path}: role {f.Role}");
                Assert.Matches("^[0-9a-f]{64}$", f.Sha256);
                Assert.StartsWith("https://", f.Url, StringComparison.Ordinal);
            });
        }
        Assert.Equal(1750, catalogue.Find("kay2008-pool")!.Files.Count);
        Assert.Equal(24, catalogue.Find("haxby2001-sub1")!.Files.Count(f => f.RunIndex is not null));
    }

    [Fact]
    public async Task Mirror_EverySampleFileMatchesItsChecksum()
    {
        var catalogue = SampleCatalogue.LoadBuiltIn();
        var fetcher = new SampleFetcher(new HttpClient(), SharedData.Root);
        foreach (var sample in catalogue.Samples)
        {
            var files = await fetcher.FetchAsync(sample, _downloads);
            Assert.Equal(sample.Files.Count, files.Count);
        }
    }

    [Fact]
    public async Task Mirror_AlteredFile_IsRejectedNamingIt()
    {
        var mirror = Path.Combine(_downloads, "mirror");
        var sample = SampleCatalogue.LoadBuiltIn().Find("vangerven-digits")!;
        var copy = Path.Combine(mirror, sample.Files[0].Path);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        var bytes = await File.ReadAllBytesAsync(SharedData.Path(sample.Files[0].Path));
        bytes[^1] ^= 1;
        await File.WriteAllBytesAsync(copy, bytes);
        var e = await Assert.ThrowsAsync<SampleFetchException>(() => new SampleFetcher(new HttpClient(), mirror).FetchAsync(sample, _downloads));
        Assert.Contains("digit69_28x28.mat", e.Message, StringComparison.Ordinal);
        Assert.Contains("differs from the published original", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_VerifiesChecksum_AndReportsProgress()
    {
        var sample = SampleCatalogue.LoadBuiltIn().Find("abide-cc200")!;
        var content = sample.Files.ToDictionary(f => f.Url, f => File.ReadAllBytes(SharedData.Path(f.Path)));
        var fetcher = new SampleFetcher(new HttpClient(new StaticHandler(content)), mirrorDirectory: null);
        var reports = new List<FetchProgress>();
        var files = await fetcher.FetchAsync(sample, _downloads, new SynchronousProgress<FetchProgress>(reports.Add));
        Assert.All(files.Values, p => Assert.StartsWith(_downloads, p, StringComparison.Ordinal));
        Assert.Equal(sample.TotalBytes, reports[^1].BytesDone);
        Assert.Equal(SHA256.HashData(content[sample.Files[0].Url]), SHA256.HashData(await File.ReadAllBytesAsync(files[sample.Files[0].Path])));
    }

    [Fact]
    public async Task Download_TamperedContent_IsRejected_AndNotKept()
    {
        var sample = SampleCatalogue.LoadBuiltIn().Find("abide-cc200")!;
        var content = sample.Files.ToDictionary(f => f.Url, _ => "not the original"u8.ToArray());
        var fetcher = new SampleFetcher(new HttpClient(new StaticHandler(content)), mirrorDirectory: null);
        await Assert.ThrowsAsync<SampleFetchException>(() => fetcher.FetchAsync(sample, _downloads));
        Assert.Empty(Directory.GetFiles(_downloads, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Download_Offline_SaysSoAndSuggestsTheMirror()
    {
        // A loopback port nobody listens on behaves like a machine without internet.
        var sample = SampleCatalogue.LoadBuiltIn().Find("abide-cc200")! with { };
        var offline = sample with { Files = [sample.Files[0] with { Url = "http://127.0.0.1:9/Pitt.1D" }] };
        var fetcher = new SampleFetcher(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, mirrorDirectory: null);
        var e = await Assert.ThrowsAsync<SampleFetchException>(() => fetcher.FetchAsync(offline, _downloads));
        Assert.Contains("MirrorDirectory", e.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_PackagedFile_ExplainsWhereItComesFrom()
    {
        var sample = SampleCatalogue.LoadBuiltIn().Find("aal")!;
        var e = await Assert.ThrowsAsync<SampleFetchException>(() => new SampleFetcher(new HttpClient(), null).FetchAsync(sample, _downloads));
        Assert.Contains("mricron-data", e.Message, StringComparison.Ordinal);
    }

    private sealed class StaticHandler(IReadOnlyDictionary<string, byte[]> content) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(content.TryGetValue(request.RequestUri!.ToString(), out var bytes)
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) }
                : new HttpResponseMessage(HttpStatusCode.NotFound));
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
