using System.Globalization;
using System.Text.Json;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.ReconstructionGenerative;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.EncodingModels;
using NeuroLab.Data.Runs;
using NeuroLab.Formats.Images;

namespace NeuroLab.Compute.Tests.Reconstruction;

/// <summary>
/// reconstruction-generative against the in-process <see cref="GeneratorDouble"/> on the van Gerven digits (10 test images,
/// batches of 4): the requests follow contract neurolab.generator/1, whatever returns is scored (metrics.csv agrees with the
/// .npy files), and every way the service can fail fails the run with its reason and leaves no scored artifacts.
/// </summary>
public sealed class ReconstructionGenerativeJobTests : IAsyncLifetime
{
    private const string Key = "test-key-123";

    private GeneratorDouble _generator = default!;
    private RunHarness _h = default!;

    public async Task InitializeAsync()
    {
        _generator = await GeneratorDouble.StartAsync();
        _h = await RunHarness.StartAsync(generator: new GeneratorOptions
        {
            Endpoint = _generator.Endpoint,
            ApiKey = Key,
            // Enough for a good reply on a loaded 2-core CI machine (1 s timed out there once); the Slow double waits 30 s.
            TimeoutSeconds = 5,
            BatchSize = 4,
            MaxImageSide = 64,
        });
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        await _generator.DisposeAsync();
    }

    private async Task<(Guid Dataset, Guid Set)> DigitsAsync()
    {
        var digits = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "vangerven-digits");
        return (digits, (await _h.F.Datasets.GetAsync(_h.F.Alice, digits)).ResponseSets[0].Id);
    }

    [Fact]
    public async Task Digits_GoodGenerator_RequestsFollowTheContract_ReturnedImagesAreScored()
    {
        var (digits, set) = await DigitsAsync();

        var run = await _h.RunToEndAsync(digits, RunKindNames.ReconstructionGenerative, new { responseSetId = set }, seed: 1);
        // The per-pixel guess the generator received is reconstruction-ridge's decode (same samples, split and alphas).
        var ridge = await _h.RunToEndAsync(digits, RunKindNames.ReconstructionRidge, new { responseSetId = set }, seed: 1);

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.True(ridge.Status == RunStatus.Succeeded, ridge.Error);
        Console.WriteLine($"Digits, generative via the double (returns the ridge guess), {(run.FinishedAtUtc - run.StartedAtUtc)?.TotalSeconds:0.0} s: {run.SummaryJson}");
        var requests = _generator.Requests.ToArray();
        Assert.Equal([4, 4, 2], requests.Select(r => r.Body.GetProperty("items").GetArrayLength()));
        Assert.All(requests, r => Assert.Equal($"Bearer {Key}", r.Authorization));
        var ridgeGuess = (await _h.ArtifactAsync(ridge.Id, "reconstructions.npy")).ToFloat64();
        var sentGuess = new double[10 * 784];
        int expected = 0;
        foreach (var (_, body) in requests)
        {
            Assert.Equal("neurolab.generator/1", body.GetProperty("contract").GetString());
            Assert.Equal(run.Id, body.GetProperty("runId").GetGuid());
            Assert.Equal(1, body.GetProperty("seed").GetInt32());
            Assert.Equal("resnet18:pool", body.GetProperty("embeddingSpace").GetString());
            Assert.Equal(512, body.GetProperty("embeddingDimension").GetInt32());
            Assert.Equal(28, body.GetProperty("output").GetProperty("height").GetInt32());
            Assert.Equal(28, body.GetProperty("output").GetProperty("width").GetInt32());
            foreach (var item in body.GetProperty("items").EnumerateArray())
            {
                Assert.Equal(expected, item.GetProperty("index").GetInt32());
                var embedding = item.GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                Assert.Equal(512, embedding.Length);
                Assert.All(embedding, v => Assert.True(double.IsFinite(v)));
                var low = item.GetProperty("lowLevel");
                Assert.Equal(28, low.GetProperty("height").GetInt32());
                var png = ImageReader.Read(new MemoryStream(Convert.FromBase64String(low.GetProperty("pngBase64").GetString()!)), "guess.png");
                Assert.Equal([28L, 28, 1], png.Shape);
                png.ToFloat64().CopyTo(sentGuess, expected * 784);
                expected++;
            }
        }
        Assert.Equal(10, expected);
        // 8-bit PNG: within half a grey level of the ridge decode (1/255 allowed, plus float32 rounding).
        for (int i = 0; i < sentGuess.Length; i++)
        {
            Assert.True(Math.Abs(sentGuess[i] - ridgeGuess[i]) <= 1.0 / 255 + 1e-6, $"pixel {i}: sent {sentGuess[i]}, ridge {ridgeGuess[i]}");
        }

        // The double returns the guess: the scored reconstructions are the decoded PNGs, and the metrics agree with the files.
        var recon = await _h.ArtifactAsync(run.Id, "reconstructions.npy");
        var targets = (await _h.ArtifactAsync(run.Id, "targets.npy")).ToFloat64();
        Assert.Equal([10L, 28, 28], recon.Shape);
        var r = recon.ToFloat64();
        Assert.Equal(sentGuess, r, (a, b) => Math.Abs(a - b) <= 1e-6);
        var rows = (await _h.ArtifactTextAsync(run.Id, "metrics.csv")).Trim().Split('\n');
        Assert.StartsWith("index,pixcorr,ssim,mse,identification_pixels", rows[0], StringComparison.Ordinal);
        var pixCorr = new double[10];
        for (int i = 0; i < 10; i++)
        {
            var cells = rows[i + 1].Split(',');
            var (a, b) = (r.AsSpan(i * 784, 784).ToArray(), targets.AsSpan(i * 784, 784).ToArray());
            pixCorr[i] = Pearson(a, b);
            Assert.Equal(pixCorr[i], double.Parse(cells[1], CultureInfo.InvariantCulture), 1e-6);
            Assert.Equal(a.Zip(b).Average(p => (p.First - p.Second) * (p.First - p.Second)), double.Parse(cells[3], CultureInfo.InvariantCulture), 1e-6);
        }
        var summary = Assert.IsType<ReconstructionGenerativeSummary>(_h.Runs.Kinds.Get(RunKindNames.ReconstructionGenerative).ReadSummary(run.SummaryJson));
        Assert.True(summary.ExternallyGenerated);
        Assert.Equal(GeneratorDouble.Model, summary.GeneratorModel);
        Assert.Equal(GeneratorDouble.Version, summary.GeneratorVersion);
        Assert.Equal(new Uri(_generator.Endpoint).Authority, summary.GeneratorHost);
        Assert.Equal(3, summary.Batches);
        Assert.Equal(512, summary.EmbeddingDimension);
        Assert.Equal(pixCorr.Average(), summary.Scores.PixCorr.Mean, 1e-6);
        Assert.DoesNotContain(Key, run.SummaryJson, StringComparison.Ordinal);
        Assert.Contains($"Externally generated by {GeneratorDouble.Model} {GeneratorDouble.Version} (127.0.0.1:", summary.Attribution, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Digits_RgbImagesTwiceTheSize_AreReadAsLumaOnTheTargetsGrid()
    {
        var (digits, set) = await DigitsAsync();
        _generator.Mode = GeneratorMode.GoodRgbLarger;

        var run = await _h.RunToEndAsync(digits, RunKindNames.ReconstructionGenerative, new { responseSetId = set, features = "pixels" });

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        // R = G = B = guess, each pixel repeated 2x2: BT.601 luma (weights sum to 1) then the 2x area shrink give the guess back.
        var sent = _generator.Requests.SelectMany(q => q.Body.GetProperty("items").EnumerateArray())
            .SelectMany(item => ImageReader.Read(new MemoryStream(Convert.FromBase64String(item.GetProperty("lowLevel").GetProperty("pngBase64").GetString()!)), "g.png").ToFloat64())
            .ToArray();
        var recon = (await _h.ArtifactAsync(run.Id, "reconstructions.npy")).ToFloat64();
        Assert.Equal(sent.Length, recon.Length);
        Assert.Equal(sent, recon, (a, b) => Math.Abs(a - b) <= 1.0 / 255 + 1e-6);
    }

    [Theory]
    [InlineData(GeneratorMode.Slow, "no answer within 5 s")]
    [InlineData(GeneratorMode.Garbage, "could not be decoded as PNG or JPEG")]
    [InlineData(GeneratorMode.WrongCount, "returned 3 images for 4 items")]
    [InlineData(GeneratorMode.DuplicateIndex, "image index 0 was returned twice")]
    [InlineData(GeneratorMode.Oversized, "is 112x112 pixels, over NeuroLab:Reconstruction:Generator:MaxImageSide (64)")]
    [InlineData(GeneratorMode.Http500, "it answered HTTP 500 Internal Server Error: model exploded  while sampling xxx")]
    [InlineData(GeneratorMode.NotJson, "the reply is not the contract's JSON")]
    public async Task Digits_GeneratorMisbehaves_RunFailsWithTheReason_NoScoredArtifacts(GeneratorMode mode, string reason)
    {
        var (digits, set) = await DigitsAsync();
        _generator.Mode = mode;

        var run = await _h.RunToEndAsync(digits, RunKindNames.ReconstructionGenerative, new { responseSetId = set, features = "pixels" });

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains(reason, run.Error, StringComparison.Ordinal);
        Assert.Contains("failed on batch 1 of 3 (test images 0-3)", run.Error, StringComparison.Ordinal);
        Assert.Empty(await _h.Runs.ArtifactsAsync(_h.F.Alice, run.Id));
        Assert.Single(_generator.Requests);
        if (mode == GeneratorMode.Http500)
        {
            Assert.DoesNotContain(new string('x', 300), run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Digits_ServiceDescribesItselfAtLength_ModelNameIsBoundedCleaned_KeyNeverKept()
    {
        var (digits, set) = await DigitsAsync();
        _generator.Mode = GeneratorMode.LongModelName;
        _generator.EchoKey = Key;

        var run = await _h.RunToEndAsync(digits, RunKindNames.ReconstructionGenerative, new { responseSetId = set, features = "pixels" });

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        var summary = Assert.IsType<ReconstructionGenerativeSummary>(_h.Runs.Kinds.Get(RunKindNames.ReconstructionGenerative).ReadSummary(run.SummaryJson));
        Assert.InRange(summary.GeneratorModel.Length, 10, GeneratorClient.LabelChars + 1);
        Assert.StartsWith("babbling model ***", summary.GeneratorModel, StringComparison.Ordinal);
        Assert.DoesNotContain(summary.GeneratorModel, char.IsControl);
        Assert.DoesNotContain(Key, run.SummaryJson!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Digits_ServiceChangesVersionBetweenBatches_RunFailsSayingSo_NothingSaved()
    {
        var (digits, set) = await DigitsAsync();
        _generator.Mode = GeneratorMode.ChangingVersion;

        var run = await _h.RunToEndAsync(digits, RunKindNames.ReconstructionGenerative, new { responseSetId = set, features = "pixels" });

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("changed its model within one run", run.Error, StringComparison.Ordinal);
        Assert.Empty(await _h.Runs.ArtifactsAsync(_h.F.Alice, run.Id));
    }

    [Fact]
    public async Task Digits_ConnectionRefused_RunFailsNamingTheConnection()
    {
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        int port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var harness = await RunHarness.StartAsync(generator: new GeneratorOptions { Endpoint = $"http://127.0.0.1:{port}/v1/generate", TimeoutSeconds = 5 });
        var digitsThere = await harness.F.Samples.ImportAsync(harness.F.Alice, harness.F.WorkspaceId, "vangerven-digits");
        var setThere = (await harness.F.Datasets.GetAsync(harness.F.Alice, digitsThere)).ResponseSets[0].Id;

        var run = await harness.RunToEndAsync(digitsThere, RunKindNames.ReconstructionGenerative, new { responseSetId = setThere, features = "pixels" });

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("could not be reached (ConnectionError)", run.Error, StringComparison.Ordinal);
        Assert.Empty(await harness.Runs.ArtifactsAsync(harness.F.Alice, run.Id));
    }

    [Fact]
    public async Task Digits_CancelledWhileGenerating_StopsTheRequest_RunCancelled()
    {
        await using var patient = await RunHarness.StartAsync(generator: new GeneratorOptions { Endpoint = _generator.Endpoint, TimeoutSeconds = 60 });
        var digitsThere = await patient.F.Samples.ImportAsync(patient.F.Alice, patient.F.WorkspaceId, "vangerven-digits");
        var setThere = (await patient.F.Datasets.GetAsync(patient.F.Alice, digitsThere)).ResponseSets[0].Id;
        _generator.Mode = GeneratorMode.Slow;

        var run = await patient.Runs.SubmitAsync(patient.F.Alice, patient.F.WorkspaceId, digitsThere, RunKindNames.ReconstructionGenerative,
            JsonSerializer.SerializeToElement(new { responseSetId = setThere, features = "pixels" }));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (_generator.Requests.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.False(_generator.Requests.IsEmpty);
        await patient.Runs.CancelAsync(patient.F.Alice, run.Id);
        while (_generator.Aborted == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, _generator.Aborted);
        while ((await patient.Runs.GetAsync(patient.F.Alice, run.Id)).Status is not (RunStatus.Cancelled or RunStatus.Failed or RunStatus.Succeeded) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(RunStatus.Cancelled, (await patient.Runs.GetAsync(patient.F.Alice, run.Id)).Status);
        Assert.Empty(await patient.Runs.ArtifactsAsync(patient.F.Alice, run.Id));
    }

    [Fact]
    public async Task Submit_NoEndpointConfigured_RefusedBeforeQueueing_NamingTheSetting()
    {
        await using var unconfigured = await RunHarness.StartAsync();
        var digits = await unconfigured.F.Samples.ImportAsync(unconfigured.F.Alice, unconfigured.F.WorkspaceId, "vangerven-digits");
        var set = (await unconfigured.F.Datasets.GetAsync(unconfigured.F.Alice, digits)).ResponseSets[0].Id;

        var refused = await Assert.ThrowsAsync<RunValidationException>(() => unconfigured.Runs.SubmitAsync(unconfigured.F.Alice, unconfigured.F.WorkspaceId, digits,
            RunKindNames.ReconstructionGenerative, JsonSerializer.SerializeToElement(new { responseSetId = set })));

        Assert.Contains(refused.Problems, p => p.Contains("NeuroLab:Reconstruction:Generator:Endpoint", StringComparison.Ordinal));
        Assert.Empty(await unconfigured.Runs.ListAsync(unconfigured.F.Alice, unconfigured.F.WorkspaceId));
    }

    [Fact]
    public async Task Generate_NonFiniteEmbedding_NothingIsSent()
    {
        var client = new GeneratorClient(new OneClient(), Microsoft.Extensions.Options.Options.Create(new GeneratorOptions { Endpoint = _generator.Endpoint }));
        float[] embeddings = [0.1f, float.NaN, 0.3f, 0.4f];

        var failure = await Assert.ThrowsAsync<GeneratorException>(() => client.GenerateAsync(
            new GenerationInput(Guid.NewGuid(), 1, "pixels", 2, 2, embeddings, null, 16, 16), null, CancellationToken.None));

        Assert.Contains("test image 0 has a non-finite value", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_generator.Requests);
    }

    private sealed class OneClient : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }

    private static double Pearson(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            (sab, saa, sbb) = (sab + (a[i] - ma) * (b[i] - mb), saa + (a[i] - ma) * (a[i] - ma), sbb + (b[i] - mb) * (b[i] - mb));
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}
