using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using NeuroLab.Compute.Captions;
using NeuroLab.Compute.Geometry;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.EncodingReadout;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Storage;

namespace NeuroLab.Web.Captions;

/// <summary>A finished caption run and its captions.</summary>
public sealed record CaptionRun(Guid RunId, Guid EncodingRunId, IReadOnlyList<UnitCaption> Captions)
{
    public UnitCaption? For(int unit) => Captions.FirstOrDefault(c => c.Unit == unit);

    /// <summary>Captions that mention every word of the query (case-insensitive; a query word may be the start of a caption word: "fac" finds "face").</summary>
    public IReadOnlyList<UnitCaption> Search(string? query)
    {
        var words = NeuroLab.Analysis.Captions.TextTokens.Tokenize(query);
        if (words.Count == 0)
        {
            return Captions;
        }
        return [.. Captions.Where(c =>
        {
            var tokens = NeuroLab.Analysis.Captions.TextTokens.Tokenize(c.Caption);
            return words.All(w => tokens.Any(t => t.StartsWith(w, StringComparison.Ordinal)));
        })];
    }
}

/// <summary>A caption map volume in the content store, its query (empty for the full map), legend (keyword of each value 1..n) and how many voxels it marks.</summary>
public sealed record CaptionMap(string Sha256, string Query, IReadOnlyList<string> Legend, int Voxels);

/// <summary>
/// Reads the captions of voxel-captions runs, scoped to the caller's memberships through <see cref="RunService"/>, and
/// searches them by meaning with the server's sentence embedder (a configured endpoint, else all-MiniLM-L6-v2).
/// </summary>
public sealed class CaptionService(
    RunService runs, IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, UnitGeometryService geometry,
    MiniLmEmbeddingGenerator sentenceModel, ILogger<CaptionService> logger, IEmbeddingGenerator<string, Embedding<float>>? embeddings = null)
{
    /// <summary>
    /// Cosine similarity from which a caption word matches a query word by meaning. Both are embedded in the phrase
    /// "a photo of ..." (bare words embed noisily). Measured with all-MiniLM-L6-v2: related pairs faces/face 0.93,
    /// faces/person 0.65, faces/people 0.63, scissors/tools 0.64, building/house 0.74, animal/cat 0.68; unrelated
    /// pairs among 16 common caption words up to 0.66, so a few near misses remain.
    /// </summary>
    public const double SemanticThreshold = 0.63;

    private readonly ConcurrentDictionary<string, float[]> _words = new(StringComparer.Ordinal);

    /// <summary>
    /// Captions matching a query: those that mention every query word (<see cref="CaptionRun.Search"/>), first, then
    /// those where every query word is close in meaning (<see cref="SemanticThreshold"/>) to some word of the caption,
    /// closest first ("faces" finds "face" and "person"). Word matching alone when the sentence model is unavailable.
    /// </summary>
    public async Task<IReadOnlyList<UnitCaption>> SearchAsync(CaptionRun run, string? query, CancellationToken ct = default)
    {
        var words = NeuroLab.Analysis.Captions.TextTokens.Tokenize(query);
        var exact = run.Search(query);
        if (words.Count == 0)
        {
            return exact;
        }
        try
        {
            var captionWords = run.Captions.ToDictionary(c => c, c => NeuroLab.Analysis.Captions.TextTokens.Tokenize(c.Caption).Distinct().ToList());
            await EmbedWordsAsync(words.Concat(captionWords.Values.SelectMany(w => w)), ct);
            var found = exact.ToHashSet();
            var semantic = run.Captions.Where(c => !found.Contains(c))
                .Select(c => (Caption: c, Score: words.Min(q => captionWords[c].Select(w => Cosine(_words[q], _words[w])).DefaultIfEmpty(0).Max())))
                .Where(x => x.Score >= SemanticThreshold).OrderByDescending(x => x.Score).Select(x => x.Caption);
            return [.. exact, .. semantic];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Semantic caption search is unavailable; matching words only.");
            return exact;
        }
    }

    private async Task EmbedWordsAsync(IEnumerable<string> words, CancellationToken ct)
    {
        var missing = words.Where(w => !_words.ContainsKey(w)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        var vectors = await (embeddings ?? sentenceModel).GenerateAsync(missing.Select(w => "a photo of " + w), cancellationToken: ct);
        for (int i = 0; i < missing.Count; i++)
        {
            _words[missing[i]] = NeuroLab.Analysis.Captions.BrainScuba.Normalize(vectors[i].Vector.Span);
        }
    }

    private static double Cosine(float[] a, float[] b) => NeuroLab.Analysis.Captions.CaptionEvaluation.Cosine(a, b);

    private readonly ConcurrentDictionary<Guid, CaptionRun> _cache = new();

    /// <summary>The captions of a succeeded voxel-captions run, or null when the run has none (not finished, another kind).</summary>
    public async Task<CaptionRun?> LoadAsync(string userId, Guid captionRunId, CancellationToken ct = default)
    {
        var run = await runs.GetAsync(userId, captionRunId, ct);
        if (run.Kind != RunKindNames.VoxelCaptions || run.Status != RunStatus.Succeeded)
        {
            return null;
        }
        if (_cache.TryGetValue(captionRunId, out var cached))
        {
            return cached;
        }
        var artifact = (await runs.ArtifactsAsync(userId, captionRunId, ct)).SingleOrDefault(a => a.Name == VoxelCaptionsArtifacts.Captions.FileName);
        if (artifact is null)
        {
            return null;
        }
        List<UnitCaption> captions;
        await using (var stream = store.OpenRead(artifact.Sha256))
        {
            captions = await JsonSerializer.DeserializeAsync<List<UnitCaption>>(stream, VoxelCaptionsJob.CaptionsJson, ct) ?? [];
        }
        var encodingRunId = VoxelCaptionsParameters.Parse(run.ParametersJson).EncodingRunId;
        return _cache[captionRunId] = new CaptionRun(captionRunId, encodingRunId, captions);
    }

    private readonly ConcurrentDictionary<(Guid, string), CaptionMap> _maps = new();

    /// <summary>
    /// A caption map volume on the encoding run's map grid: each captioned voxel gets 1 + the index of its caption's
    /// first keyword in <see cref="CaptionMap.Legend"/> (keywords by how many units lead with them); with a query, only
    /// the voxels whose captions match, all 1. Stored in the content store (so the viewer reads it like any volume);
    /// null when the run's units are not voxels with maps.
    /// </summary>
    public async Task<CaptionMap?> MapAsync(string userId, Guid captionRunId, string? query, CancellationToken ct = default)
    {
        var run = await LoadAsync(userId, captionRunId, ct);
        if (run is null)
        {
            return null;
        }
        string key = string.Join(' ', NeuroLab.Analysis.Captions.TextTokens.Tokenize(query));
        if (_maps.TryGetValue((captionRunId, key), out var cached) && store.Contains(cached.Sha256))
        {
            return cached;
        }
        var encoding = await runs.GetAsync(userId, run.EncodingRunId, ct);
        var setId = EncodingRidgeParameters.Parse(encoding.ParametersJson).ResponseSetId;
        if (await geometry.ForResponseSetAsync(setId, ct) is not { } units)
        {
            return null;
        }
        var legend = run.Captions.Where(c => c.Keywords.Count > 0).GroupBy(c => c.Keywords[0].Word)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).ToList();
        var matches = key.Length == 0 ? run.Captions : await SearchAsync(run, query, ct);
        var values = new double[units.UnitCount];
        Array.Fill(values, double.NaN);
        foreach (var c in matches)
        {
            values[c.Unit] = key.Length > 0 ? 1 : c.Keywords.Count > 0 ? 1 + legend.IndexOf(c.Keywords[0].Word) : double.NaN;
        }
        var stored = await store.AddAsync(s => units.WriteVolume(s, values, key.Length > 0 ? $"NeuroLab captions matching {key}" : "NeuroLab caption map"), ct);
        return _maps[(captionRunId, key)] = new CaptionMap(stored.Sha256, key, key.Length > 0 ? [key] : legend, matches.Count);
    }

    /// <summary>The newest succeeded caption run of an encoding run, if any.</summary>
    public async Task<CaptionRun?> LatestForEncodingRunAsync(string userId, Guid encodingRunId, CancellationToken ct = default)
    {
        var encoding = await runs.GetAsync(userId, encodingRunId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await db.Runs
            .Where(r => r.WorkspaceId == encoding.WorkspaceId && r.DatasetId == encoding.DatasetId && r.Kind == RunKindNames.VoxelCaptions && r.Status == RunStatus.Succeeded)
            .OrderByDescending(r => r.FinishedAtUtc).Select(r => new { r.Id, r.ParametersJson }).ToListAsync(ct);
        foreach (var c in candidates)
        {
            if (VoxelCaptionsParameters.Parse(c.ParametersJson).EncodingRunId == encodingRunId)
            {
                return await LoadAsync(userId, c.Id, ct);
            }
        }
        return null;
    }
}
