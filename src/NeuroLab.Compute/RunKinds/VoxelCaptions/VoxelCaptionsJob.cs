using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using NeuroLab.Analysis.Captions;
using NeuroLab.Analysis.Encoding;
using NeuroLab.Compute.Captions;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Serialization;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Images;
using NeuroLab.Formats.Numpy;
using static TorchSharp.torch;

namespace NeuroLab.Compute.RunKinds.VoxelCaptions;

/// <summary>One unit's caption and its evidence (captions.json).</summary>
public sealed record UnitCaption(
    int Unit, double TestR, string Caption, IReadOnlyList<KeywordScore> Keywords, IReadOnlyList<CaptionEvidence> TopMeasured,
    IReadOnlyList<CaptionEvidence> TopPredicted, double SentenceScore, string? BestHeldOutCategory);

/// <summary>A preferred stimulus: where it comes from (dataset stimulus index or pool item), its caption and the response.</summary>
public sealed record CaptionEvidence(string Source, int Index, string Name, string? ImageSha256, string Caption, double Value);

/// <summary>
/// Describes in words what each well-predicted unit prefers, as LaVCa (Matsuyama et al. 2025) does with an LLM and
/// here statistically by default: the unit's preferred stimuli (its top measured training samples, and the top items
/// of an image pool ranked by the refitted encoder) are collected with their captions (or labels, or measured image
/// descriptions when a stimulus has neither); words over-represented in them relative to all captions are found by
/// the log-odds ratio with an informative Dirichlet prior; the caption names the strongest. Each caption is scored
/// with LaVCa's sentence-level evaluation on the encoding run's held-out samples (Spearman over cosine similarities of
/// sentence embeddings: a configured embedding endpoint, else all-MiniLM-L6-v2 in process; TF-IDF with
/// <c>embedding = tfidf</c>).
/// </summary>
public sealed class VoxelCaptionsJob(
    IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, FeatureSpaceRegistry features, EncodingSamples encoder,
    IChatClient? chat = null, IEmbeddingGenerator<string, Embedding<float>>? embeddings = null, MiniLmEmbeddingGenerator? sentenceModel = null)
    : IRunJob<VoxelCaptionsParameters, VoxelCaptionsSummary>
{
    public static RunKindInfo Info { get; } = new(
        RunKindNames.VoxelCaptions,
        "Voxel captions",
        "Describes in words what each well-predicted unit of an encoding-ridge run prefers (LaVCa, or BrainSCUBA on an " +
        "embedding pool), with the preferred stimuli as evidence and LaVCa's sentence score on held-out samples.",
        RunInput.Run,
        VoxelCaptionsArtifacts.All);

    public string Describe(VoxelCaptionsParameters parameters) => "captions · " + parameters.Method;

    /// <summary>The instruction given to a chat model when <c>composer = llm</c> (documented in docs/api/voxel-captions.md).</summary>
    public const string Prompt =
        "You describe what a brain unit (a voxel or neuron) responds to. You get keywords that are over-represented in the captions " +
        "of the stimuli it responds to most, strongest first, with z-scores, and a few of those captions. Write ONE short sentence " +
        "(at most 15 words) starting with \"Prefers\" that names what the keywords have in common. Use only the given keywords " +
        "and words from the captions; do not guess beyond them.";

    /// <summary>captions.json: camelCase, NaN scores (constant responses or similarities) written as null (older files' "NaN" still reads).</summary>
    public static JsonSerializerOptions CaptionsJson => NeuroLabJson.Web;

    public async Task ValidateAsync(VoxelCaptionsParameters p, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        RunParameterChecks.InRange(problems, "topN", p.TopN, 1, 1000);
        RunParameterChecks.InRange(problems, "keywords", p.Keywords, 1, 20);
        if (!(p.MinTestR is >= -1 and <= 1))
        {
            problems.Add("minTestR must be between -1 and 1.");
        }
        if (p.PriorStrength is { } a0)
        {
            RunParameterChecks.Positive(problems, "priorStrength", a0);
        }
        if (p.Source is not null)
        {
            problems.OneOf("source", p.Source, ("measured", ""), ("predicted", ""), ("both", ""));
        }
        problems.OneOf("method", p.Method, ("lavca", ""), ("brainscuba", ""));
        problems.OneOf("embedding", p.Embedding, (VoxelCaptionsParameters.MiniLm, ""), (VoxelCaptionsParameters.Tfidf, ""));
        RunParameterChecks.Positive(problems, "temperature", p.Temperature);
        if (p.Composer is not ("statistical" or "llm"))
        {
            problems.OneOf("composer", p.Composer, ("statistical", ""), ("llm", ""));
        }
        else if (p.Composer == "llm" && chat is null)
        {
            problems.Add("composer = llm needs a chat model: configure Captions:Chat (an Ollama or OpenAI-compatible endpoint) on the server, or use the statistical composer.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == p.EncodingRunId && r.DatasetId == submission.DatasetId && r.WorkspaceId == submission.WorkspaceId, ct);
        if (run is null)
        {
            problems.Add($"Encoding run {p.EncodingRunId} is not a run of this dataset.");
            return;
        }
        if (run.Kind != RunKindNames.EncodingRidge || run.Status != RunStatus.Succeeded)
        {
            problems.Add($"Run {run.Id} is a {run.Status.ToString().ToLowerInvariant()} {run.Kind} run; captions need a succeeded encoding-ridge run.");
            return;
        }
        var encoding = EncodingRidgeParameters.Parse(JsonDocument.Parse(run.ParametersJson).RootElement);
        if (encoding.Bands is not null)
        {
            problems.Add("Captions from banded ridge runs are not supported yet; caption a single-feature-space run.");
        }
        bool imageEncoder = features.NeedsImages(encoding.FeatureKinds);
        if (p.FeatureEmbedding is not null)
        {
            problems.OneOf("featureEmbedding", p.FeatureEmbedding, (VoxelCaptionsParameters.MiniLm, ""));
            if (encoding.Features != "file" || p.Method != "lavca")
            {
                problems.Add($"featureEmbedding = minilm filters keywords by the weights of an encoder on uploaded all-MiniLM-L6-v2 text embeddings (features = file, method = lavca); run {run.Id} uses {encoding.Features}.");
            }
        }
        if (p.Method == "brainscuba")
        {
            if (encoding.Features != "file" || encoding.Bands is not null)
            {
                problems.Add($"BrainSCUBA projects encoder weights onto an embedding pool, so the encoder must be fitted on uploaded embeddings (features = file); run {run.Id} uses {encoding.Features}.");
            }
            var poolDatasetId = p.PoolDatasetId ?? submission.DatasetId;
            var file = p.PoolFeatureFileId is { } fid ? await db.DatasetFiles.SingleOrDefaultAsync(f => f.Id == fid && f.DatasetId == poolDatasetId, ct) : null;
            if (file is null || file.Role != FileRole.Features)
            {
                problems.Add("BrainSCUBA needs poolFeatureFileId: a Features file of the pool dataset whose rows are the embeddings of its stimuli.");
            }
        }
        else if (p.Source is "predicted" or "both" && !imageEncoder)
        {
            problems.Add($"The encoder of run {run.Id} works on {encoding.Features} features, not images, so it cannot rank an image pool; use source = measured.");
        }
        if (p.PoolDatasetId is { } pool)
        {
            var poolDataset = await db.Datasets.SingleOrDefaultAsync(d => d.Id == pool && d.WorkspaceId == submission.WorkspaceId, ct);
            if (poolDataset is null)
            {
                problems.Add($"Pool dataset {pool} is not in this workspace.");
            }
            else if (p.Method != "brainscuba" && !await db.Stimuli.AnyAsync(s => s.DatasetId == pool && s.ImageSha256 != null, ct))
            {
                problems.Add($"Pool dataset {poolDataset.Name} has no stimulus images to rank.");
            }
        }
        var testR = await db.RunArtifacts.Where(a => a.RunId == run.Id && a.Name == EncodingRidgeArtifacts.TestR.FileName).Select(a => a.Sha256).SingleOrDefaultAsync(ct);
        if (testR is null)
        {
            problems.Add($"Run {run.Id} has no test_r.npy.");
        }
        else if (problems.Count == 0)
        {
            double[] r;
            await using (var stream = store.OpenRead(testR))
            {
                r = NpyReader.Read(stream, "test_r.npy").ToFloat64();
            }
            int selected = r.Count(v => v >= p.MinTestR);
            if (selected == 0)
            {
                problems.Add($"No unit reaches test r >= {p.MinTestR.ToString(CultureInfo.InvariantCulture)} (the best has {r.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max().ToString("0.000", CultureInfo.InvariantCulture)}); lower minTestR.");
            }
        }
    }

    public async Task<VoxelCaptionsSummary> ExecuteAsync(VoxelCaptionsParameters p, RunContext context)
    {
        var ct = context.Cancellation;
        Run encodingRun;
        ResponseSet set;
        List<(string Name, string? Sha, string? Split, string? Label, string? Caption)> stimuli;
        string testRSha;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            encodingRun = await db.Runs.SingleAsync(r => r.Id == p.EncodingRunId, ct);
            var encodingParameters = EncodingRidgeParameters.Parse(JsonDocument.Parse(encodingRun.ParametersJson).RootElement);
            set = await db.ResponseSets.SingleAsync(s => s.Id == encodingParameters.ResponseSetId, ct);
            stimuli = [.. (await db.Stimuli.Where(s => s.DatasetId == encodingRun.DatasetId).OrderBy(s => s.Index)
                .Select(s => new { s.Name, s.ImageSha256, s.Split, s.Label, s.Caption }).ToListAsync(ct))
                .Select(s => (s.Name, s.ImageSha256, s.Split, s.Label, s.Caption))];
            testRSha = await db.RunArtifacts.Where(a => a.RunId == encodingRun.Id && a.Name == EncodingRidgeArtifacts.TestR.FileName).Select(a => a.Sha256).SingleAsync(ct);
        }
        var encoding = EncodingRidgeParameters.Parse(JsonDocument.Parse(encodingRun.ParametersJson).RootElement);
        string source = p.Source ?? (p.Method == "brainscuba" ? "predicted" : features.NeedsImages(encoding.FeatureKinds) ? "both" : "measured");
        var samples = await encoder.SamplesAsync(encoding, set, [.. stimuli.Select(s => (s.Name, s.Sha, s.Split, s.Label))], encodingRun.Seed, ct);
        double[] testR;
        await using (var stream = store.OpenRead(testRSha))
        {
            testR = NpyReader.Read(stream, "test_r.npy").ToFloat64();
        }
        int[] units = [.. Enumerable.Range(0, testR.Length).Where(u => testR[u] >= p.MinTestR)];
        await context.LogAsync($"Captioning {units.Length} of {testR.Length} units with test r >= {p.MinTestR.ToString(CultureInfo.InvariantCulture)} (encoding run {encodingRun.Id}); " +
            $"preferred stimuli: {source}, top {p.TopN}; composer: {p.Composer}.");

        // Captions of the dataset's stimuli: their own captions, else labels, else measured image descriptions.
        context.Report("describing stimuli", 0, stimuli.Count);
        var stimulusCaptions = await CaptionsAsync([.. stimuli.Select(s => (s.Caption, s.Label, s.Sha))], context, ct);
        string captionSource = stimuli.All(s => !string.IsNullOrWhiteSpace(s.Caption)) ? "captions"
            : stimuli.All(s => !string.IsNullOrWhiteSpace(s.Caption) || !string.IsNullOrWhiteSpace(s.Label)) ? "labels" : "measured image descriptions";

        int unitCount = (int)samples.Responses.Shape[1];
        var responses = samples.Responses.ToFloat32();
        double Response(int row, int unit) => responses[(long)row * unitCount + unit];

        // Predicted preferred items: refit the encoder (same data, folds and alphas as the run) and score the pool.
        List<(string Name, string? Sha, string Caption)> pool = [];
        float[]? poolPredictions = null;
        Func<int, string, double?>? weightSimilarity = null;
        if (source is "predicted" or "both")
        {
            if (p.Method == "brainscuba")
            {
                (pool, poolPredictions, weightSimilarity) = await ProjectOntoPoolAsync(context, encoder, encoding, samples, stimuli, stimulusCaptions, p, ct);
            }
            else
            {
                (pool, poolPredictions) = await PredictPoolAsync(context, encoder, encoding, samples, stimuli, stimulusCaptions, p.PoolDatasetId, testR, ct);
            }
        }
        int filteredOut = 0;

        // The corpus the keyword statistics compare against: every caption a unit's top set could have drawn from.
        var corpus = new List<IReadOnlyList<string>>();
        if (source is "measured" or "both")
        {
            corpus.AddRange(samples.TrainRows.Select(r => TextTokens.Tokenize(stimulusCaptions[samples.StimulusOfSample[r]])));
        }
        if (source is "predicted" or "both")
        {
            corpus.AddRange(pool.Select(item => TextTokens.Tokenize(item.Caption)));
        }

        var corpusCounts = KeywordLogOdds.CorpusCounts(corpus);
        if (p.FeatureEmbedding == VoxelCaptionsParameters.MiniLm)
        {
            weightSimilarity = await TextWeightSimilarityAsync(context, encoder, encoding, samples, stimuli, [.. corpusCounts.Keys], ct);
        }
        var labels = stimuli.Select(s => s.Label).ToList();
        bool labelled = labels.All(l => !string.IsNullOrWhiteSpace(l));
        var results = new List<UnitCaption>();
        int done = 0;
        foreach (int u in units)
        {
            ct.ThrowIfCancellationRequested();
            var measured = new List<CaptionEvidence>();
            if (source is "measured" or "both")
            {
                foreach (var row in samples.TrainRows.OrderByDescending(r => Response(r, u)).Take(p.TopN))
                {
                    int s = samples.StimulusOfSample[row];
                    measured.Add(new CaptionEvidence("stimulus", s, stimuli[s].Name, stimuli[s].Sha, stimulusCaptions[s], Response(row, u)));
                }
            }
            var predicted = new List<CaptionEvidence>();
            if (poolPredictions is not null)
            {
                foreach (int i in Enumerable.Range(0, pool.Count).OrderByDescending(i => poolPredictions[(long)i * unitCount + u]).Take(p.TopN))
                {
                    predicted.Add(new CaptionEvidence(p.PoolDatasetId is null ? "stimulus" : "pool", i, pool[i].Name, pool[i].Sha, pool[i].Caption, poolPredictions[(long)i * unitCount + u]));
                }
            }
            var top = measured.Concat(predicted).Select(e => TextTokens.Tokenize(e.Caption)).ToList();
            var keywords = KeywordLogOdds.Score(top, corpusCounts, p.PriorStrength).Where(k => k.LogOdds > 0).ToList();
            if (weightSimilarity is not null)
            {
                // LaVCa's filter in an embedding space: keep words whose embedding points along the unit's weights.
                keywords = [.. keywords.Select(k => k with { WeightSimilarity = weightSimilarity(u, k.Word) })];
                filteredOut += keywords.RemoveAll(k => k.WeightSimilarity is <= 0);
            }
            keywords = [.. keywords.Take(Math.Max(10, p.Keywords))];
            string caption = p.Composer == "llm"
                ? await ComposeWithChatAsync(keywords.Take(p.Keywords).ToList(), measured.Concat(predicted).Select(e => e.Caption).Distinct().Take(5).ToList(), ct)
                : Compose(keywords.Take(p.Keywords).Select(k => k.Word).ToList());
            string? best = labelled ? BestHeldOutCategory(samples, labels!, u, Response) : null;
            results.Add(new UnitCaption(u, testR[u], caption, keywords, measured, predicted, double.NaN, best));
            if (++done % 10 == 0 || done == units.Length)
            {
                context.Report("captioning units", done, units.Length);
            }
        }

        // LaVCa sentence-level evaluation on the encoding run's held-out samples.
        context.Report("evaluating", 0, 1);
        ITextEmbedder embedder;
        string embedding;
        if (p.Embedding == VoxelCaptionsParameters.Tfidf)
        {
            embedder = TfidfEmbedder.Fit(stimulusCaptions.Concat(pool.Select(x => x.Caption)));
            embedding = "tf-idf";
        }
        else
        {
            // A configured endpoint overrides the in-process sentence model.
            var model = new GeneratorTextEmbedder(embeddings ?? sentenceModel ?? new MiniLmEmbeddingGenerator());
            await model.PrepareAsync(samples.TestRows.Select(r => stimulusCaptions[samples.StimulusOfSample[r]]).Concat(results.Select(r => r.Caption)), ct);
            embedder = model;
            embedding = embeddings is null ? MiniLmEmbeddingGenerator.ModelName : "configured embedding model";
        }
        var testVectors = embedder.Embed([.. samples.TestRows.Select(r => stimulusCaptions[samples.StimulusOfSample[r]])]);
        // One caption embedded at a time: a TF-IDF vector is as long as the vocabulary, and there may be tens of thousands of units.
        for (int i = 0; i < results.Count; i++)
        {
            int u = results[i].Unit;
            double[] measuredTest = [.. samples.TestRows.Select(r => Response(r, u))];
            double score = embedder is TfidfEmbedder tfidf
                ? CaptionEvaluation.SentenceScore(tfidf.EmbedSparse(results[i].Caption), testVectors, measuredTest)
                : CaptionEvaluation.SentenceScore(embedder.Embed([results[i].Caption])[0], testVectors, measuredTest);
            results[i] = results[i] with { SentenceScore = score };
            if (i % 500 == 0)
            {
                context.Report("evaluating", i, results.Count);
            }
        }
        // Diversity in the sentence model's space, or in the captions' own vocabulary (TF-IDF fitted on them).
        string[] captionTexts = [.. results.Select(r => r.Caption)];
        var diversity = CaptionEvaluation.Diversity(captionTexts, embedder is TfidfEmbedder ? TfidfEmbedder.Fit(captionTexts) : embedder);
        string? evaluationNote = null;
        if (results.Count > 0 && results.All(r => !double.IsFinite(r.SentenceScore)))
        {
            // E.g. pool captions are object categories while the held-out stimuli are described by image statistics.
            evaluationNote = "No caption shares a word with the held-out stimuli's captions, so the sentence score is undefined; evaluate with a pool captioned like the dataset's stimuli.";
            await context.LogAsync(evaluationNote, "warning");
        }
        var scores = results.Select(r => r.SentenceScore).Where(double.IsFinite).Order().ToArray();

        // Labelled stimuli (e.g. Haxby's categories): does the caption name the unit's best category on held-out data?
        double? namesBest = null, chance = null;
        if (labelled)
        {
            int categories = labels.Distinct().Count();
            namesBest = results.Count == 0 ? double.NaN : results.Average(r => r.BestHeldOutCategory is { } b && TextTokens.Tokenize(r.Caption).Contains(b.ToLowerInvariant()) ? 1.0 : 0.0);
            chance = Math.Min(1.0, (double)p.Keywords / categories);
        }

        var perUnitScore = Enumerable.Repeat(double.NaN, unitCount).ToArray();
        foreach (var r in results)
        {
            perUnitScore[r.Unit] = r.SentenceScore;
        }
        await context.SaveArrayAsync(VoxelCaptionsArtifacts.SentenceScore, EncodingJobSupport.Vector(perUnitScore));
        await context.SaveArrayAsync(VoxelCaptionsArtifacts.CaptionedUnits, new NumericArray(NumericType.Int32, [units.Length], units));
        await context.SaveFileAsync(VoxelCaptionsArtifacts.Captions, s => JsonSerializer.Serialize(s, results, CaptionsJson));
        await context.SaveFileAsync(VoxelCaptionsArtifacts.CaptionsTable, s => WriteCsv(s, results));
        await context.LogAsync($"{results.Count} captions; mean sentence score (Spearman, {samples.TestRows.Length} held-out samples) {(scores.Length == 0 ? double.NaN : scores.Average()).ToString("0.000", CultureInfo.InvariantCulture)}; " +
            $"vocabulary {diversity.VocabularySize}, {diversity.EffectiveDimensions} dimensions for 90% of caption variance" +
            (namesBest is { } f ? $"; {f:P0} of captions name the unit's best held-out category (chance {chance:P0})." : "."));
        return new VoxelCaptionsSummary
        {
            EncodingRunId = encodingRun.Id,
            UnitsCaptioned = results.Count,
            Units = unitCount,
            MinTestR = p.MinTestR,
            Source = source,
            CaptionSource = captionSource,
            TopN = p.TopN,
            PoolItems = pool.Count,
            Composer = p.Composer,
            Method = p.Method,
            KeywordsRemovedByWeightFilter = weightSimilarity is null ? null : filteredOut,
            Embedding = embedding,
            MeanSentenceScore = scores.Length == 0 ? double.NaN : scores.Average(),
            MedianSentenceScore = scores.Length == 0 ? double.NaN : scores[scores.Length / 2],
            HeldOutSamples = samples.TestRows.Length,
            VocabularySize = diversity.VocabularySize,
            EffectiveDimensions = diversity.EffectiveDimensions,
            EvaluationNote = evaluationNote,
            FractionNamingBestHeldOutCategory = namesBest,
            ChanceOfNamingIt = chance,
        };
    }

    /// <summary>"Prefers a, b and c." from keywords, strongest first.</summary>
    internal static string Compose(IReadOnlyList<string> words) => words.Count switch
    {
        0 => "No over-represented words among its preferred stimuli.",
        1 => $"Prefers {words[0]}.",
        _ => $"Prefers {string.Join(", ", words.Take(words.Count - 1))} and {words[^1]}.",
    };

    private async Task<string> ComposeWithChatAsync(IReadOnlyList<KeywordScore> keywords, IReadOnlyList<string> examples, CancellationToken ct)
    {
        var user = new StringBuilder("Keywords (z-score): ");
        user.AppendJoin(", ", keywords.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Word} ({k.Z:0.0})")));
        user.Append("\nCaptions of preferred stimuli:\n");
        foreach (var e in examples)
        {
            user.Append("- ").Append(e).Append('\n');
        }
        var response = await chat!.GetResponseAsync([new ChatMessage(ChatRole.System, Prompt), new ChatMessage(ChatRole.User, user.ToString())], cancellationToken: ct);
        var text = response.Text.Trim().Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim();
        // A chat model that answers nothing usable falls back to the statistical caption.
        return string.IsNullOrWhiteSpace(text) ? Compose([.. keywords.Select(k => k.Word)]) : text.Length > 200 ? text[..200] : text;
    }

    /// <summary>The category with the highest mean response over the held-out samples.</summary>
    private static string BestHeldOutCategory(EncodingSamples.Samples samples, IReadOnlyList<string?> labels, int unit, Func<int, int, double> response) =>
        samples.TestRows.GroupBy(r => labels[samples.StimulusOfSample[r]]!).OrderByDescending(g => g.Average(r => response(r, unit))).First().Key;

    private async Task<List<string>> CaptionsAsync(IReadOnlyList<(string? Caption, string? Label, string? Sha)> items, RunContext context, CancellationToken ct)
    {
        var captions = new List<string>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var (caption, label, sha) = items[i];
            if (!string.IsNullOrWhiteSpace(caption))
            {
                captions.Add(caption);
            }
            else if (!string.IsNullOrWhiteSpace(label))
            {
                captions.Add(label);
            }
            else if (sha is not null)
            {
                await using var stream = store.OpenRead(sha);
                var image = ImageReader.Read(stream, $"stimulus {i}.png", new ImageReadOptions { Color = ImageColorMode.Grayscale });
                captions.Add(ImageDescriber.Describe(image.ToFloat32(), (int)image.Shape[0], (int)image.Shape[1]).Caption);
            }
            else
            {
                captions.Add("");
            }
            if (i % 100 == 0)
            {
                context.Report("describing stimuli", i, items.Count);
            }
        }
        return captions;
    }

    private async Task<(List<(string Name, string? Sha, string Caption)> Pool, float[] Predictions)> PredictPoolAsync(
        RunContext context, EncodingSamples encoder, EncodingRidgeParameters encoding, EncodingSamples.Samples samples,
        List<(string Name, string? Sha, string? Split, string? Label, string? Caption)> stimuli, List<string> stimulusCaptions,
        Guid? poolDatasetId, double[] runTestR, CancellationToken ct)
    {
        List<(string Name, string? Sha, string Caption)> pool;
        if (poolDatasetId is { } id)
        {
            List<(string Name, string? Sha, string? Label, string? Caption)> items;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                items = [.. (await db.Stimuli.Where(s => s.DatasetId == id && s.ImageSha256 != null).OrderBy(s => s.Index)
                    .Select(s => new { s.Name, s.ImageSha256, s.Label, s.Caption }).ToListAsync(ct)).Select(s => (s.Name, s.ImageSha256, s.Label, s.Caption))];
            }
            context.Report("describing the pool", 0, items.Count);
            var captions = await CaptionsAsync([.. items.Select(s => (s.Caption, s.Label, s.Sha))], context, ct);
            pool = [.. items.Select((s, i) => (s.Name, s.Sha, captions[i]))];
        }
        else
        {
            // No pool: the dataset's training stimuli, each once.
            pool = [.. samples.TrainRows.Select(r => samples.StimulusOfSample[r]).Distinct().Order().Select(s => (stimuli[s].Name, stimuli[s].Sha, stimulusCaptions[s]))];
        }

        // Images of the training stimuli followed by the pool; the encoder's feature space over both (PCA fitted on the training rows).
        var shas = stimuli.Select(s => s.Sha!).Concat(pool.Select(x => x.Sha!)).ToList();
        using var scope = NewDisposeScope();
        var images = await EncodingJobSupport.LoadImagesAsync(store, context, shas, ct);
        int size = FeatureInput.WorkingSize(encoding.ImageSize, (int)images.shape[1]);
        var trainIndex = tensor(samples.TrainRows.Select(r => (long)samples.StimulusOfSample[r]).ToArray());
        // One feature pass over the pool followed by the held-out samples (PCA, if any, fitted on the training rows).
        long[] heldOut = [.. samples.TestRows.Select(r => (long)samples.StimulusOfSample[r])];
        var scoredIndex = tensor([.. Enumerable.Range(stimuli.Count, pool.Count).Select(i => (long)i), .. heldOut]);
        var (trainFeatures, scoredFeatures, description) = await encoder.FeaturesAsync(encoding.Features, encoding, context, images, size, trainIndex, scoredIndex,
            [.. stimuli.Select(s => s.Label), .. pool.Select(_ => (string?)null)], shas);
        var poolFeatures = scoredFeatures.narrow(0, 0, pool.Count);
        var testFeatures = scoredFeatures.narrow(0, pool.Count, heldOut.Length);
        int units = (int)samples.Responses.Shape[1];
        using var fit = RefitEncoder(context, encoding, samples, trainFeatures, testFeatures, ct);
        double drift = Enumerable.Range(0, units).Where(u => double.IsFinite(runTestR[u]) && double.IsFinite(fit.TestR[u])).Select(u => Math.Abs(runTestR[u] - fit.TestR[u])).DefaultIfEmpty(0).Max();
        await context.LogAsync($"Encoder refitted on {samples.TrainRows.Length} training samples ({description}); largest test r difference from the run: {drift.ToString("G3", CultureInfo.InvariantCulture)}. Scoring {pool.Count} pool items.",
            drift > 1e-3 ? "warning" : "info");
        using var predictions = fit.Predict(poolFeatures);
        return (pool, predictions.to_type(ScalarType.Float32).contiguous().data<float>().ToArray());
    }

    /// <summary>
    /// BrainSCUBA: refit the encoder on the embeddings, take each unit's weight vector back to the raw embedding space
    /// (divide by the training standard deviation of each dimension), project it onto the L2-normalised pool embeddings
    /// (softmax with the temperature), and score every pool item by its cosine similarity to the projection.
    /// </summary>
    private async Task<(List<(string Name, string? Sha, string Caption)> Pool, float[] Scores, Func<int, string, double?> WeightSimilarity)> ProjectOntoPoolAsync(
        RunContext context, EncodingSamples encoder, EncodingRidgeParameters encoding, EncodingSamples.Samples samples,
        List<(string Name, string? Sha, string? Split, string? Label, string? Caption)> stimuli, List<string> stimulusCaptions,
        VoxelCaptionsParameters p, CancellationToken ct)
    {
        DatasetFile poolFile;
        List<(string Name, string? Sha, string Caption)> items;
        int[] rows;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            poolFile = await db.DatasetFiles.SingleAsync(f => f.Id == p.PoolFeatureFileId, ct);
            if (p.PoolDatasetId is { } id)
            {
                var poolStimuli = await db.Stimuli.Where(s => s.DatasetId == id).OrderBy(s => s.Index).Select(s => new { s.Name, s.ImageSha256, s.Label, s.Caption }).ToListAsync(ct);
                var texts = await CaptionsAsync([.. poolStimuli.Select(s => (s.Caption, s.Label, s.ImageSha256))], context, ct);
                items = [.. poolStimuli.Select((s, i) => (s.Name, s.ImageSha256, texts[i]))];
                rows = [.. Enumerable.Range(0, items.Count)];
            }
            else
            {
                // No pool dataset: the run dataset's own training stimuli, so held-out stimuli stay unseen.
                rows = [.. samples.TrainRows.Select(r => samples.StimulusOfSample[r]).Distinct().Order()];
                items = [.. rows.Select(s => (stimuli[s].Name, stimuli[s].Sha, stimulusCaptions[s]))];
            }
        }
        var matrix = UploadedMatrixFeatureSpace.ReadMatrix(store, poolFile, null).ToCOrder();
        long columns = matrix.Length / matrix.Shape[0];
        int expectedRows = p.PoolDatasetId is null ? stimuli.Count : items.Count;
        if (matrix.Shape[0] != expectedRows)
        {
            throw new InvalidDataException($"{poolFile.FileName} has {matrix.Shape[0]} rows but the pool has {expectedRows} stimuli; rows must follow the stimulus order.");
        }
        var values = matrix.ToFloat32();
        var pool = rows.Select(r => BrainScuba.Normalize(values.AsSpan((int)(r * columns), (int)columns))).ToList();

        using var scope = NewDisposeScope();
        var trainIndex = tensor(samples.TrainRows.Select(r => (long)samples.StimulusOfSample[r]).ToArray());
        var testIndex = tensor(samples.TestRows.Select(r => (long)samples.StimulusOfSample[r]).ToArray());
        var (trainFeatures, testFeatures, description) = await encoder.FeaturesAsync("file", encoding, context, empty(0), 0, trainIndex, testIndex,
            [.. stimuli.Select(s => s.Label)]);
        if (trainFeatures.shape[1] != columns)
        {
            throw new InvalidDataException($"The pool embeddings have {columns} dimensions but the encoder's features have {trainFeatures.shape[1]}; they must be the same embedding space.");
        }
        int units = (int)samples.Responses.Shape[1];
        using var fit = RefitEncoder(context, encoding, samples, trainFeatures, testFeatures, ct);
        // Weights act on z-scored features; dividing by each dimension's training SD gives the direction in the raw space.
        var unitWeights = RawSpaceWeights(fit, trainFeatures);
        var scores = new float[(long)pool.Count * units];
        for (int u = 0; u < units; u++)
        {
            var w = unitWeights[u];
            var projected = BrainScuba.Project(w, pool, p.Temperature);
            for (int i = 0; i < pool.Count; i++)
            {
                scores[(long)i * units + u] = (float)CaptionEvaluation.Cosine(projected, pool[i]);
            }
            if (u % 50 == 0)
            {
                context.Report("projecting onto the pool", u, units);
            }
        }
        await context.LogAsync($"BrainSCUBA: encoder refitted on {description}; weights projected onto {pool.Count} pool embeddings (temperature {p.Temperature.ToString(CultureInfo.InvariantCulture)}).");
        // A word's embedding: the normalised mean embedding of the pool items whose captions contain it.
        var tokens = items.Select(i => TextTokens.Tokenize(i.Caption).ToHashSet(StringComparer.Ordinal)).ToList();
        var wordVectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        float[]? WordVector(string word)
        {
            if (!wordVectors.TryGetValue(word, out var vector))
            {
                var sum = new float[columns];
                int n = 0;
                for (int i = 0; i < pool.Count; i++)
                {
                    if (tokens[i].Contains(word))
                    {
                        n++;
                        for (int j = 0; j < columns; j++)
                        {
                            sum[j] += pool[i][j];
                        }
                    }
                }
                wordVectors[word] = vector = n == 0 ? [] : BrainScuba.Normalize(sum);
            }
            return vector.Length == 0 ? null : vector;
        }
        return (items, scores, (u, word) => WordVector(word) is { } v ? CaptionEvaluation.Cosine(unitWeights[u], v) : null);
    }

    /// <summary>
    /// Each unit's weight vector in the raw feature space, L2-normalised: the ridge weights act on z-scored features, so
    /// dividing by each dimension's training SD gives the direction in the raw space (a zero-SD dimension gets 0).
    /// </summary>
    private static float[][] RawSpaceWeights(RidgeCvResult fit, Tensor trainFeatures)
    {
        var sd = trainFeatures.to_type(ScalarType.Float64).std(0L, unbiased: false).data<double>().ToArray();
        var weights = fit.Weights!.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        int columns = sd.Length, units = weights.Length / columns;
        var unitWeights = new float[units][];
        for (int u = 0; u < units; u++)
        {
            var w = new float[columns];
            for (int j = 0; j < columns; j++)
            {
                w[j] = sd[j] > 0 ? (float)(weights[j * units + u] / sd[j]) : 0f;
            }
            unitWeights[u] = BrainScuba.Normalize(w);
        }
        return unitWeights;
    }

    /// <summary>
    /// LaVCa's keyword filter when the encoder's features are all-MiniLM-L6-v2 embeddings of the stimuli's texts
    /// (uploaded as features = file): the encoder is refitted, and a word's similarity to a unit is the cosine between
    /// the unit's raw-space weights and the word's own sentence embedding.
    /// </summary>
    private async Task<Func<int, string, double?>> TextWeightSimilarityAsync(
        RunContext context, EncodingSamples encoder, EncodingRidgeParameters encoding, EncodingSamples.Samples samples,
        List<(string Name, string? Sha, string? Split, string? Label, string? Caption)> stimuli, IReadOnlyList<string> words, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        var trainIndex = tensor(samples.TrainRows.Select(r => (long)samples.StimulusOfSample[r]).ToArray());
        var testIndex = tensor(samples.TestRows.Select(r => (long)samples.StimulusOfSample[r]).ToArray());
        var (trainFeatures, testFeatures, description) = await encoder.FeaturesAsync("file", encoding, context, empty(0), 0, trainIndex, testIndex,
            [.. stimuli.Select(s => s.Label)]);
        if (trainFeatures.shape[1] != MiniLmEmbeddingGenerator.Dimensions)
        {
            throw new InvalidDataException($"featureEmbedding = minilm: the encoder's features have {trainFeatures.shape[1]} dimensions, not all-MiniLM-L6-v2's {MiniLmEmbeddingGenerator.Dimensions}.");
        }
        using var fit = RefitEncoder(context, encoding, samples, trainFeatures, testFeatures, ct);
        var unitWeights = RawSpaceWeights(fit, trainFeatures);
        context.Report("embedding keywords", 0, words.Count);
        var vectors = await (sentenceModel ?? new MiniLmEmbeddingGenerator()).GenerateAsync(words, cancellationToken: ct);
        var wordVectors = words.Select((w, i) => (w, v: BrainScuba.Normalize(vectors[i].Vector.Span))).ToDictionary(x => x.w, x => x.v, StringComparer.Ordinal);
        await context.LogAsync($"Keywords filtered by the weights of the encoder refitted on {description} (all-MiniLM-L6-v2 text embeddings; {words.Count} words embedded).");
        return (u, word) => wordVectors.TryGetValue(word, out var v) ? CaptionEvaluation.Cosine(unitWeights[u], v) : null;
    }

    /// <summary>The encoding run's model fitted again on its own training samples, folds and alphas (features given), so it reproduces the run.</summary>
    private static RidgeCvResult RefitEncoder(
        RunContext context, EncodingRidgeParameters encoding, EncodingSamples.Samples samples, Tensor trainFeatures, Tensor testFeatures, CancellationToken ct)
    {
        var all = tensor(samples.Responses.ToFloat32(), [samples.Responses.Shape[0], samples.Responses.Shape[1]]);
        var trainRows = tensor(samples.TrainRows.Select(r => (long)r).ToArray());
        var testRows = tensor(samples.TestRows.Select(r => (long)r).ToArray());
        context.Report("refitting the encoder", 0, 1);
        return RidgeCv.Fit(trainFeatures, all.index_select(0, trainRows), testFeatures, all.index_select(0, testRows), encoding.RidgeOptions(samples.Folds), cancellationToken: ct);
    }

    internal static void WriteCsv(Stream stream, IReadOnlyList<UnitCaption> results)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        writer.WriteLine("unit,test_r,sentence_score,caption,keywords");
        foreach (var r in results)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Unit},{r.TestR:G6},{r.SentenceScore:G6},\"{r.Caption.Replace("\"", "\"\"", StringComparison.Ordinal)}\",\"{string.Join(' ', r.Keywords.Select(k => k.Word))}\""));
        }
    }
}
