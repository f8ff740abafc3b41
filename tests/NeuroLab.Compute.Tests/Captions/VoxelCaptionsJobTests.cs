using System.Text.Json;
using Microsoft.Extensions.AI;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.EncodingModels;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Data.Runs;

namespace NeuroLab.Compute.Tests.Captions;

/// <summary>Voxel captions on real data: Haxby category labels (trials split by run) and Allen V1 scenes ranked over the Kay 2008 pool.</summary>
public sealed class VoxelCaptionsJobTests : IAsyncLifetime
{
    private readonly FakeChat _chat = new();
    private RunHarness _h = default!;

    public async Task InitializeAsync() => _h = await RunHarness.StartAsync(_chat);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private Task<JsonElement> CaptionsAsync(Guid run) => _h.ArtifactJsonAsync(run, "captions.json");

    private async Task<(Guid Dataset, RunSummary Encoding)> HaxbyEncodingAsync(string mask)
    {
        var haxby = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "haxby2001-sub1");
        var set = (await _h.F.Datasets.GetAsync(_h.F.Alice, haxby)).ResponseSets.Single(r => r.Name.Contains(mask, StringComparison.Ordinal));
        var encoding = await _h.RunToEndAsync(haxby, new { responseSetId = set.Id, features = "labels", samples = "trials", permutations = 0 });
        Assert.True(encoding.Status == RunStatus.Succeeded, encoding.Error);
        return (haxby, encoding);
    }

    [Fact]
    public async Task Haxby_CaptionsNameTheBestHeldOutCategory_AboveChance()
    {
        // Captions from the labels of each voxel's top 10 training trials (runs 1-10); its best category and the
        // sentence score from the held-out runs 11-12.
        var (haxby, encoding) = await HaxbyEncodingAsync("hoc");
        var run = await _h.RunToEndAsync(haxby, "voxel-captions", new { encodingRunId = encoding.Id, minTestR = -1.0, keywords = 1 });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        var s = summary.RootElement;
        Console.WriteLine($"Haxby hoc captions: {run.SummaryJson}");
        Assert.Equal(45, s.GetProperty("unitsCaptioned").GetInt32());
        Assert.Equal("labels", s.GetProperty("captionSource").GetString());
        Assert.Equal(0.125, s.GetProperty("chanceOfNamingIt").GetDouble(), 1e-12);
        Assert.True(s.GetProperty("fractionNamingBestHeldOutCategory").GetDouble() > 0.125, run.SummaryJson);
        Assert.Equal(16, s.GetProperty("heldOutSamples").GetInt32());

        var captions = await CaptionsAsync(run.Id);
        string[] categories = ["bottle", "cat", "chair", "face", "house", "scissors", "scrambledpix", "shoe"];
        foreach (var unit in captions.EnumerateArray())
        {
            var keyword = unit.GetProperty("keywords")[0];
            Assert.Equal($"Prefers {keyword.GetProperty("word").GetString()}.", unit.GetProperty("caption").GetString());
            Assert.True(keyword.GetProperty("logOdds").GetDouble() > 0);
            var top = unit.GetProperty("topMeasured").EnumerateArray().ToList();
            Assert.Equal(10, top.Count);
            // The evidence is ordered by measured response, and each label is one of the eight categories.
            Assert.True(top.Zip(top.Skip(1)).All(p => p.First.GetProperty("value").GetDouble() >= p.Second.GetProperty("value").GetDouble()));
            Assert.All(top, t => Assert.Contains(t.GetProperty("caption").GetString(), categories));
            // The keyword is the label most frequent among the top trials (ties broken by the corpus prior).
            Assert.Equal(top.GroupBy(t => t.GetProperty("caption").GetString()).Max(g => g.Count()), keyword.GetProperty("countInTop").GetInt32());
        }

        var (haxbyAgain, vt) = await HaxbyEncodingAsync("vt");
        // The sentence score with one-hot TF-IDF vectors (the label named or not); the default MiniLM score in DefaultEmbedding_IsMiniLm_AndScoresEveryCaption.
        var vtCaptions = await _h.RunToEndAsync(haxbyAgain, "voxel-captions", new { encodingRunId = vt.Id, minTestR = 0.3, keywords = 1, embedding = "tfidf" });
        using var vtSummary = JsonDocument.Parse(vtCaptions.SummaryJson!);
        Console.WriteLine($"Haxby VT caption: {(await CaptionsAsync(vtCaptions.Id))[0].GetProperty("caption")} {vtCaptions.SummaryJson}");
        Assert.Equal(1.0, vtSummary.RootElement.GetProperty("fractionNamingBestHeldOutCategory").GetDouble());
        Assert.True(vtSummary.RootElement.GetProperty("meanSentenceScore").GetDouble() > 0.3, vtCaptions.SummaryJson);
    }

    [Fact]
    public async Task AllenV1_GaborEncoderRanksTheKayPool_CaptionsAreScored()
    {
        var allen = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "allen-v1");
        var kay = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "kay2008-pool");
        var neurons = (await _h.F.Datasets.GetAsync(_h.F.Alice, allen)).ResponseSets[0];
        var gabor = await _h.RunToEndAsync(allen, new { responseSetId = neurons.Id, features = "gabor", alphas = new[] { 1.0, 10, 100, 1e3, 1e4, 1e5 }, permutations = 0 });
        Assert.True(gabor.Status == RunStatus.Succeeded, gabor.Error);
        var run = await _h.RunToEndAsync(allen, "voxel-captions", new { encodingRunId = gabor.Id, minTestR = 0.1, poolDatasetId = kay }, timeout: TimeSpan.FromMinutes(5));
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Console.WriteLine($"Allen V1 captions: {run.SummaryJson}");
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        var s = summary.RootElement;
        Assert.Equal("both", s.GetProperty("source").GetString());
        Assert.Equal("measured image descriptions", s.GetProperty("captionSource").GetString());
        Assert.Equal(1750, s.GetProperty("poolItems").GetInt32());
        Assert.Equal(18, s.GetProperty("heldOutSamples").GetInt32());
        Assert.InRange(s.GetProperty("meanSentenceScore").GetDouble(), -1, 1);

        // The refitted encoder reproduces the run (no warning), and each unit's pool evidence is ranked by prediction.
        var log = await _h.Runs.LogAsync(_h.F.Alice, run.Id);
        Assert.Contains(log, l => l.Message.Contains("Encoder refitted", StringComparison.Ordinal) && l.Level == "info");
        var captions = await CaptionsAsync(run.Id);
        double[] testR = (await _h.ArtifactAsync(gabor.Id, "test_r.npy")).ToFloat64();
        Assert.Equal(testR.Count(r => r >= 0.1), captions.GetArrayLength());
        foreach (var unit in captions.EnumerateArray())
        {
            var predicted = unit.GetProperty("topPredicted").EnumerateArray().ToList();
            Assert.Equal(10, predicted.Count);
            Assert.All(predicted, p => Assert.Equal("pool", p.GetProperty("source").GetString()));
            Assert.All(predicted, p => Assert.NotNull(p.GetProperty("imageSha256").GetString()));
            Assert.True(predicted.Zip(predicted.Skip(1)).All(p => p.First.GetProperty("value").GetDouble() >= p.Second.GetProperty("value").GetDouble()));
            Assert.StartsWith("Prefers ", unit.GetProperty("caption").GetString(), StringComparison.Ordinal);
        }
        foreach (var unit in captions.EnumerateArray().Take(5))
        {
            Console.WriteLine($"  neuron {unit.GetProperty("unit")} (test r {unit.GetProperty("testR").GetDouble():0.00}): {unit.GetProperty("caption")} sentence score {unit.GetProperty("sentenceScore")}");
        }
    }

    [Fact]
    public async Task AllenV1_Kriegeskorte92PoolRanksCategories()
    {
        // The 92 object images as the pool: their category labels become the captions of what each neuron's
        // Gabor model predicts it prefers among them.
        var allen = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "allen-v1");
        var k92 = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "kriegeskorte-92");
        var neurons = (await _h.F.Datasets.GetAsync(_h.F.Alice, allen)).ResponseSets[0];
        var gabor = await _h.RunToEndAsync(allen, new { responseSetId = neurons.Id, features = "gabor", alphas = new[] { 1.0, 10, 100, 1e3, 1e4, 1e5 }, permutations = 0 });
        var run = await _h.RunToEndAsync(allen, "voxel-captions", new { encodingRunId = gabor.Id, minTestR = 0.1, poolDatasetId = k92, source = "predicted", topN = 10, keywords = 2, embedding = "tfidf" });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Console.WriteLine($"Allen V1 over the 92 objects: {run.SummaryJson}");
        var captions = await CaptionsAsync(run.Id);
        var labels = (await _h.F.Datasets.ListStimuliAsync(_h.F.Alice, k92, 0, 100)).Select(s => s.Label!).ToHashSet();
        var words = labels.SelectMany(l => NeuroLab.Analysis.Captions.TextTokens.Tokenize(l)).ToHashSet();
        foreach (var unit in captions.EnumerateArray())
        {
            // Every keyword comes from the 92 images' category labels, and the evidence is the 10 best-predicted images.
            Assert.All(unit.GetProperty("keywords").EnumerateArray(), k => Assert.Contains(k.GetProperty("word").GetString()!, words));
            Assert.Equal(10, unit.GetProperty("topPredicted").GetArrayLength());
            Assert.All(unit.GetProperty("topPredicted").EnumerateArray(), e => Assert.Contains(e.GetProperty("caption").GetString()!, labels));
        }
        // The held-out Allen scenes are described by image statistics, the pool by object categories: no shared words, no TF-IDF score.
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        Assert.Contains("undefined", summary.RootElement.GetProperty("evaluationNote").GetString(), StringComparison.Ordinal);
        var counts = captions.EnumerateArray().GroupBy(u => u.GetProperty("caption").GetString()).OrderByDescending(g => g.Count()).Take(5);
        Console.WriteLine("Most common captions: " + string.Join("; ", counts.Select(g => $"{g.Key} ({g.Count()})")));
    }

    [Fact]
    public async Task DefaultEmbedding_IsMiniLm_AndScoresEveryCaption()
    {
        var (haxby, encoding) = await HaxbyEncodingAsync("hoc");
        var run = await _h.RunToEndAsync(haxby, "voxel-captions", new { encodingRunId = encoding.Id, minTestR = -1.0, keywords = 1 });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Console.WriteLine($"Haxby hoc captions, MiniLM: {run.SummaryJson}");
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        var s = summary.RootElement;
        Assert.Equal("all-MiniLM-L6-v2", s.GetProperty("embedding").GetString());
        Assert.Null(s.GetProperty("evaluationNote").GetString());
        // Dense sentence embeddings: every caption gets a defined Spearman score (TF-IDF leaves captions without shared words undefined).
        var captions = await CaptionsAsync(run.Id);
        Assert.All(captions.EnumerateArray(), u => Assert.InRange(u.GetProperty("sentenceScore").GetDouble(), -1, 1));
        // Diversity in the 384-d sentence space: at most one dimension per distinct caption.
        int distinct = captions.EnumerateArray().Select(u => u.GetProperty("caption").GetString()).Distinct().Count();
        Assert.InRange(s.GetProperty("effectiveDimensions").GetInt32(), 1, distinct);
    }

    [Fact]
    public async Task LlmComposer_UsesTheConfiguredChatClient_WithTheDocumentedPrompt()
    {
        var (haxby, encoding) = await HaxbyEncodingAsync("vt");
        _chat.Answer = "Prefers small handheld tools such as scissors.";
        var run = await _h.RunToEndAsync(haxby, "voxel-captions", new { encodingRunId = encoding.Id, minTestR = 0.3, composer = "llm" });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Assert.Equal("Prefers small handheld tools such as scissors.", (await CaptionsAsync(run.Id))[0].GetProperty("caption").GetString());
        var request = Assert.Single(_chat.Requests);
        Assert.Equal(NeuroLab.Compute.RunKinds.VoxelCaptions.VoxelCaptionsJob.Prompt, request[0].Text);
        Assert.Contains("scissors (", request[1].Text, StringComparison.Ordinal);

        // A chat model that answers nothing falls back to the statistical caption.
        _chat.Answer = "   ";
        var fallback = await _h.RunToEndAsync(haxby, "voxel-captions", new { encodingRunId = encoding.Id, minTestR = 0.3, composer = "llm", keywords = 1 });
        Assert.Equal("Prefers scissors.", (await CaptionsAsync(fallback.Id))[0].GetProperty("caption").GetString());
    }

    [Fact]
    public async Task Validation_NamesEachProblem()
    {
        var (haxby, encoding) = await HaxbyEncodingAsync("vt");
        var e = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, haxby, "voxel-captions",
            JsonSerializer.SerializeToElement(new { encodingRunId = encoding.Id, minTestR = 0.99, source = "predicted", topN = 0, composer = "poetic" })));
        Assert.Contains(e.Problems, p => p.Contains("topN", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("Unknown composer 'poetic'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("cannot rank an image pool", StringComparison.Ordinal));
        var high = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, haxby, "voxel-captions",
            JsonSerializer.SerializeToElement(new { encodingRunId = encoding.Id, minTestR = 0.99 })));
        Assert.Contains(high.Problems, p => p.Contains("No unit reaches test r >= 0.99 (the best has 0.575)", StringComparison.Ordinal));
        var embedding = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, haxby, "voxel-captions",
            JsonSerializer.SerializeToElement(new { encodingRunId = encoding.Id, embedding = "word2vec" })));
        Assert.Contains(embedding.Problems, p => p.Contains("Unknown embedding 'word2vec'", StringComparison.Ordinal));
        var missing = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, haxby, "voxel-captions",
            JsonSerializer.SerializeToElement(new { encodingRunId = Guid.NewGuid() })));
        Assert.Contains(missing.Problems, p => p.Contains("is not a run of this dataset", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LlmComposer_WithoutAChatModel_IsRefusedBeforeQueueing()
    {
        await using var plain = await RunHarness.StartAsync();
        var haxby = await plain.F.Samples.ImportAsync(plain.F.Alice, plain.F.WorkspaceId, "haxby2001-sub1");
        var set = (await plain.F.Datasets.GetAsync(plain.F.Alice, haxby)).ResponseSets.Single(r => r.Name.Contains("vt", StringComparison.Ordinal));
        var encoding = await plain.RunToEndAsync(haxby, new { responseSetId = set.Id, features = "labels", samples = "trials", permutations = 0 });
        var e = await Assert.ThrowsAsync<RunValidationException>(() => plain.Runs.SubmitAsync(plain.F.Alice, plain.F.WorkspaceId, haxby, "voxel-captions",
            JsonSerializer.SerializeToElement(new { encodingRunId = encoding.Id, minTestR = 0.3, composer = "llm" })));
        Assert.Contains(e.Problems, p => p.Contains("configure Captions:Chat", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfiguredEmbeddingModel_ReplacesTfidfInTheEvaluation()
    {
        // One-hot vectors over the eight categories: for one-word texts the same geometry as TF-IDF, so the same score.
        var generator = new KeywordEmbeddings(["bottle", "cat", "chair", "face", "house", "scissors", "scrambledpix", "shoe"]);
        await using var h = await RunHarness.StartAsync(embeddings: generator);
        var haxby = await h.F.Samples.ImportAsync(h.F.Alice, h.F.WorkspaceId, "haxby2001-sub1");
        var set = (await h.F.Datasets.GetAsync(h.F.Alice, haxby)).ResponseSets.Single(r => r.Name.Contains("vt", StringComparison.Ordinal));
        var encoding = await h.RunToEndAsync(haxby, new { responseSetId = set.Id, features = "labels", samples = "trials", permutations = 0 });
        var run = await h.RunToEndAsync(haxby, "voxel-captions", new { encodingRunId = encoding.Id, minTestR = 0.3, keywords = 1 });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        Assert.Equal("configured embedding model", summary.RootElement.GetProperty("embedding").GetString());
        Assert.Equal(0.4509560339299333, summary.RootElement.GetProperty("meanSentenceScore").GetDouble(), 1e-9);
        Assert.Contains("Prefers scissors.", generator.Seen);
    }

    /// <summary>An embedding generator with one dimension per known word (counts of the words in the text).</summary>
    private sealed class KeywordEmbeddings(string[] words) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public HashSet<string> Seen { get; } = [];

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = new GeneratedEmbeddings<Embedding<float>>();
            foreach (var text in values)
            {
                Seen.Add(text);
                var tokens = NeuroLab.Analysis.Captions.TextTokens.Tokenize(text);
                result.Add(new Embedding<float>(words.Select(w => (float)tokens.Count(t => t == w)).ToArray()));
            }
            return Task.FromResult(result);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>An IChatClient that records requests and answers a fixed text.</summary>
    private sealed class FakeChat : IChatClient
    {
        public string Answer { get; set; } = "Prefers things.";

        public List<List<ChatMessage>> Requests { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Requests.Add([.. messages]);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Answer)));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}

/// <summary>LaVCa's keyword filter when the encoder's features are all-MiniLM-L6-v2 embeddings of the stimuli's captions.</summary>
public sealed class TextEmbeddingKeywordFilterTests : IAsyncLifetime
{
    private static readonly string[] Themes = ["face", "house", "car", "dog"];
    private static readonly string[] Places = ["in the city", "at night", "close up", "from afar", "in colour"];
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-minilm-").FullName;
    private RunHarness _h = default!;

    public async Task InitializeAsync() => _h = await RunHarness.StartAsync();

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        Directory.Delete(_temp, recursive: true);
    }

    private string Path(string name) => System.IO.Path.Combine(_temp, name);

    [Fact]
    public async Task MiniLmFeatures_KeepKeywordsAlongTheWeights_AndNameTheTheme()
    {
        // 120 captions "a <theme> <place>"; features are their MiniLM embeddings; unit u responds to the cosine with the
        // embedding of "a <theme u>" (plus noise), so its weights point at its theme.
        var random = new Random(5);
        string[] captions = [.. Enumerable.Range(0, 120).Select(i => $"a {Themes[i % 4]} {Places[random.Next(Places.Length)]}")];
        var model = new NeuroLab.Compute.Captions.MiniLmEmbeddingGenerator();
        var embeddings = await model.GenerateAsync(captions);
        var themes = await model.GenerateAsync(Themes.Select(t => "a " + t));
        int d = NeuroLab.Compute.Captions.MiniLmEmbeddingGenerator.Dimensions, units = 4;
        var features = embeddings.SelectMany(e => e.Vector.ToArray()).ToArray();
        var responses = new float[captions.Length * units];
        for (int i = 0; i < captions.Length; i++)
        {
            for (int u = 0; u < units; u++)
            {
                responses[i * units + u] = (float)(NeuroLab.Analysis.Captions.CaptionEvaluation.Cosine(embeddings[i].Vector.ToArray(), themes[u].Vector.ToArray()) + 0.02 * (random.NextDouble() - 0.5));
            }
        }
        File.WriteAllText(Path("stimuli.tsv"), "name\tcaption\n" + string.Join("\n", captions.Select((c, i) => $"s{i}\t{c}")) + "\n");
        NeuroLab.Formats.Numpy.NpyWriter.Write(Path("minilm.npy"), new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [captions.Length, d], features));
        NeuroLab.Formats.Numpy.NpyWriter.Write(Path("responses.npy"), new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [captions.Length, units], responses));
        var dataset = await _h.F.Importer.ImportAsync(new NeuroLab.Compute.Datasets.DatasetImportRequest(_h.F.WorkspaceId, _h.F.Alice, "MiniLM captions", null, NeuroLab.Data.Datasets.DatasetSpace.None,
        [
            new NeuroLab.Compute.Datasets.ImportSource("stimuli.tsv", NeuroLab.Data.Datasets.FileRole.StimulusTable, Path("stimuli.tsv")),
            new NeuroLab.Compute.Datasets.ImportSource("minilm.npy", NeuroLab.Data.Datasets.FileRole.Features, Path("minilm.npy")),
            new NeuroLab.Compute.Datasets.ImportSource("responses.npy", NeuroLab.Data.Datasets.FileRole.Responses, Path("responses.npy")),
        ]));
        var detail = await _h.F.Datasets.GetAsync(_h.F.Alice, dataset);
        var featureFile = detail.Files.Single(f => f.Role == NeuroLab.Data.Datasets.FileRole.Features).Id;
        var encoding = await _h.RunToEndAsync(dataset, new { responseSetId = detail.ResponseSets[0].Id, features = "file", featureFileId = featureFile, split = "random", alphas = new[] { 0.1, 1, 10, 100, 1000 }, permutations = 0 });
        Assert.True(encoding.Status == RunStatus.Succeeded, encoding.Error);

        var run = await _h.RunToEndAsync(dataset, "voxel-captions", new { encodingRunId = encoding.Id, minTestR = 0.3, keywords = 1, featureEmbedding = "minilm" });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Console.WriteLine($"MiniLM features, keyword filter: {run.SummaryJson}");
        var captionsJson = await _h.ArtifactJsonAsync(run.Id, "captions.json");
        Assert.Equal(units, captionsJson.GetArrayLength());
        foreach (var unit in captionsJson.EnumerateArray())
        {
            int u = unit.GetProperty("unit").GetInt32();
            Assert.Equal($"Prefers {Themes[u]}.", unit.GetProperty("caption").GetString());
            Assert.All(unit.GetProperty("keywords").EnumerateArray(), k => Assert.True(k.GetProperty("weightSimilarity").GetDouble() > 0));
        }
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        Assert.True(summary.RootElement.GetProperty("keywordsRemovedByWeightFilter").GetInt32() >= 0);
        var log = await _h.Runs.LogAsync(_h.F.Alice, run.Id);
        Assert.Contains(log, l => l.Message.Contains("all-MiniLM-L6-v2 text embeddings", StringComparison.Ordinal));
    }
}

/// <summary>BrainSCUBA mode on a planted embedding space: units tuned to one cluster of a captioned embedding pool.</summary>
public sealed class BrainScubaCaptionsTests : IAsyncLifetime
{
    private static readonly string[] Themes = ["face", "house", "car", "dog"];
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-scuba-").FullName;
    private RunHarness _h = default!;

    public async Task InitializeAsync() => _h = await RunHarness.StartAsync();

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        Directory.Delete(_temp, recursive: true);
    }

    /// <summary>Items near one of four random unit centroids in 16 dimensions, captioned by their cluster's theme.</summary>
    private static (float[] Embeddings, string[] Captions, int[] Cluster) Items(Random random, float[][] centroids, int n)
    {
        int d = centroids[0].Length;
        var embeddings = new float[n * d];
        var captions = new string[n];
        var cluster = new int[n];
        string[] places = ["in the city", "at night", "close up", "from afar", "in colour"];
        for (int i = 0; i < n; i++)
        {
            int k = i % 4;
            cluster[i] = k;
            for (int j = 0; j < d; j++)
            {
                embeddings[i * d + j] = centroids[k][j] + (float)(0.35 * (random.NextDouble() * 2 - 1));
            }
            captions[i] = $"a {Themes[k]} {places[random.Next(places.Length)]}";
        }
        return (embeddings, captions, cluster);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_temp, name);
        File.WriteAllText(path, content);
        return path;
    }

    private string WriteNpy(string name, float[] values, long rows, long columns)
    {
        var path = Path.Combine(_temp, name);
        NeuroLab.Formats.Numpy.NpyWriter.Write(path, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Float32, [rows, columns], values));
        return path;
    }

    [Fact]
    public async Task WeightsProjectedOntoTheEmbeddingPool_NameTheUnitsTheme()
    {
        var random = new Random(11);
        int d = 16;
        var centroids = Enumerable.Range(0, 4).Select(_ => NeuroLab.Analysis.Captions.BrainScuba.Normalize([.. Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() * 2 - 1))])).ToArray();
        // 160 stimuli with embeddings; unit u responds to the similarity with centroid u % 4 (plus noise).
        var (features, captions, _) = Items(random, centroids, 160);
        int units = 8;
        var responses = new float[160 * units];
        for (int i = 0; i < 160; i++)
        {
            for (int u = 0; u < units; u++)
            {
                double dot = 0;
                for (int j = 0; j < d; j++)
                {
                    dot += features[i * d + j] * centroids[u % 4][j];
                }
                responses[i * units + u] = (float)(dot + 0.1 * (random.NextDouble() - 0.5));
            }
        }
        var dataset = await _h.F.Importer.ImportAsync(new NeuroLab.Compute.Datasets.DatasetImportRequest(_h.F.WorkspaceId, _h.F.Alice, "Embeddings", null, NeuroLab.Data.Datasets.DatasetSpace.None,
        [
            new NeuroLab.Compute.Datasets.ImportSource("stimuli.tsv", NeuroLab.Data.Datasets.FileRole.StimulusTable, Write("stimuli.tsv", "name\tcaption\n" + string.Join("\n", captions.Select((c, i) => $"s{i}\t{c}")) + "\n")),
            new NeuroLab.Compute.Datasets.ImportSource("embeddings.npy", NeuroLab.Data.Datasets.FileRole.Features, WriteNpy("embeddings.npy", features, 160, d)),
            new NeuroLab.Compute.Datasets.ImportSource("responses.npy", NeuroLab.Data.Datasets.FileRole.Responses, WriteNpy("responses.npy", responses, 160, units)),
        ]));
        // A separate pool of 200 captioned embeddings (as a CLIP pool of natural images would be).
        var (poolEmbeddings, poolCaptions, _) = Items(random, centroids, 200);
        var poolDataset = await _h.F.Importer.ImportAsync(new NeuroLab.Compute.Datasets.DatasetImportRequest(_h.F.WorkspaceId, _h.F.Alice, "Embedding pool", null, NeuroLab.Data.Datasets.DatasetSpace.None,
        [
            new NeuroLab.Compute.Datasets.ImportSource("pool.tsv", NeuroLab.Data.Datasets.FileRole.StimulusTable, Write("pool.tsv", "name\tcaption\n" + string.Join("\n", poolCaptions.Select((c, i) => $"p{i}\t{c}")) + "\n")),
            new NeuroLab.Compute.Datasets.ImportSource("pool_embeddings.npy", NeuroLab.Data.Datasets.FileRole.Features, WriteNpy("pool_embeddings.npy", poolEmbeddings, 200, d)),
        ]));
        var detail = await _h.F.Datasets.GetAsync(_h.F.Alice, dataset);
        var featureFile = detail.Files.Single(f => f.Role == NeuroLab.Data.Datasets.FileRole.Features).Id;
        var poolFile = (await _h.F.Datasets.GetAsync(_h.F.Alice, poolDataset)).Files.Single(f => f.Role == NeuroLab.Data.Datasets.FileRole.Features).Id;
        var encoding = await _h.RunToEndAsync(dataset, new { responseSetId = detail.ResponseSets[0].Id, features = "file", featureFileId = featureFile, split = "random", alphas = new[] { 0.1, 1, 10, 100 }, permutations = 0 });
        Assert.True(encoding.Status == RunStatus.Succeeded, encoding.Error);

        var run = await _h.RunToEndAsync(dataset, "voxel-captions", new { encodingRunId = encoding.Id, method = "brainscuba", poolDatasetId = poolDataset, poolFeatureFileId = poolFile, minTestR = 0.5, keywords = 1, topN = 10 });
        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Console.WriteLine($"BrainSCUBA planted: {run.SummaryJson}");
        var captionsJson = await _h.ArtifactJsonAsync(run.Id, "captions.json");
        Assert.Equal(units, captionsJson.GetArrayLength());
        foreach (var unit in captionsJson.EnumerateArray())
        {
            int u = unit.GetProperty("unit").GetInt32();
            Assert.Equal($"Prefers {Themes[u % 4]}.", unit.GetProperty("caption").GetString());
            // Keywords are filtered by the weights: each kept word's embedding points along them.
            Assert.All(unit.GetProperty("keywords").EnumerateArray(), k => Assert.True(k.GetProperty("weightSimilarity").GetDouble() > 0));
            // The nearest pool items to the projected weights are all of the unit's theme.
            Assert.All(unit.GetProperty("topPredicted").EnumerateArray(), e => Assert.Contains(Themes[u % 4], e.GetProperty("caption").GetString(), StringComparison.Ordinal));
        }
        using var summary = JsonDocument.Parse(run.SummaryJson!);
        Assert.Equal("brainscuba", summary.RootElement.GetProperty("method").GetString());
        Assert.True(summary.RootElement.GetProperty("keywordsRemovedByWeightFilter").GetInt32() >= 0);
        Assert.True(summary.RootElement.GetProperty("meanSentenceScore").GetDouble() > 0.5, run.SummaryJson);

        // featureEmbedding = minilm needs a LaVCa run on uploaded MiniLM embeddings.
        var wrongMethod = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, dataset, "voxel-captions",
            JsonSerializer.SerializeToElement(new { encodingRunId = encoding.Id, method = "brainscuba", poolFeatureFileId = poolFile, poolDatasetId = poolDataset, featureEmbedding = "minilm", minTestR = 0.5 })));
        Assert.Contains(wrongMethod.Problems, m => m.Contains("featureEmbedding = minilm", StringComparison.Ordinal));

        // Refusals: an encoder not on embeddings, no pool embeddings.
        var e = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, dataset, "voxel-captions",
            JsonSerializer.SerializeToElement(new { encodingRunId = encoding.Id, method = "brainscuba", minTestR = 0.5 })));
        Assert.Contains(e.Problems, m => m.Contains("poolFeatureFileId", StringComparison.Ordinal));
    }
}
