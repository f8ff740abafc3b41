using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.Reconstruction;
using NeuroLab.Compute.RunKinds.ReconstructionFeatures;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Storage;

namespace NeuroLab.Web.Reconstructions;

/// <summary>A reconstruction run's row of an experiment's leaderboard.</summary>
public sealed record ReconstructionStanding(RunSummary Run, string Label, ReconstructionScores Scores);

/// <summary>Reads reconstruction runs for the gallery, the comparison and the leaderboard (members only: others get <see cref="RunNotFoundException"/>).</summary>
public sealed class ReconstructionGalleryService(RunService runs, ContentStore store, IMemoryCache cache)
{
    /// <summary>The arrays a gallery reads, by their declarations.</summary>
    private static readonly HashSet<string> Read =
    [
        ReconstructionArtifacts.Reconstructions.FileName, ReconstructionArtifacts.Targets.FileName, ReconstructionArtifacts.TestStimulusIndex.FileName,
        ReconstructionArtifacts.RetrievedIndex.FileName,
    ];

    /// <summary>How long a loaded gallery stays in memory after its last use (a page asks for each of its images).</summary>
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    /// <summary>Whether the run's kind reconstructs images (its summary record is an <see cref="IReconstructionResult"/>).</summary>
    public bool IsReconstruction(RunSummary run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return runs.Kinds.TryGet(run.Kind, out var kind) && kind.SummaryType.IsAssignableTo(typeof(IReconstructionResult));
    }

    /// <summary>The run's gallery, or null when it is not a finished reconstruction run (no images yet).</summary>
    public async Task<ReconstructionGallery?> LoadAsync(string userId, Guid runId, CancellationToken ct = default)
    {
        var run = await runs.GetAsync(userId, runId, ct);
        if (!IsReconstruction(run) || run.Status != RunStatus.Succeeded)
        {
            return null;
        }
        // A finished run's artifacts never change: its gallery is read once and shared (membership was checked above).
        if (cache.TryGetValue((nameof(ReconstructionGallery), runId), out ReconstructionGallery? cached) && cached is not null)
        {
            return cached;
        }
        var artifacts = await runs.ArtifactsAsync(userId, runId, ct);
        var arrays = await runs.ReadArraysAsync(userId, runId, a => Read.Contains(a.Name), ct);
        var recon = arrays.FirstOrDefault(a => a.Artifact.Name == ReconstructionArtifacts.Reconstructions.FileName);
        var targets = arrays.FirstOrDefault(a => a.Artifact.Name == ReconstructionArtifacts.Targets.FileName);
        if (recon.Artifact is null || targets.Artifact is null || recon.Shape.Length != 3 || !recon.Shape.SequenceEqual(targets.Shape))
        {
            return null;
        }
        int n = (int)recon.Shape[0];
        int h = (int)recon.Shape[1];
        int w = (int)recon.Shape[2];
        var stimuli = arrays.FirstOrDefault(a => a.Artifact.Name == ReconstructionArtifacts.TestStimulusIndex.FileName).Values?.Select(v => (int)v).ToArray() ?? [];
        var retrieved = arrays.FirstOrDefault(a => a.Artifact.Name == ReconstructionArtifacts.RetrievedIndex.FileName).Values;

        var csv = artifacts.FirstOrDefault(a => a.Name == ReconstructionArtifacts.Metrics.FileName) is { } metricsFile ? await ReadTextAsync(metricsFile, ct) : "";
        var (metricNames, rows) = ReconstructionGallery.ParseMetrics(csv);
        var byIndex = rows.GroupBy(r => r.Index).ToDictionary(g => g.Key, g => g.First());
        var scores = Scores(run);
        var candidates = await CandidatesAsync(artifacts, ct);
        bool reconstructionIsRetrieved = scores?.RetrievalBy is { } by && by != RetrievalResult.PixelsAmongTestImages;
        string Stimulus(int i) => byIndex.TryGetValue(i, out var row) ? row.Stimulus : "";
        var items = Enumerable.Range(0, n).Select(i =>
        {
            // A retrieved candidate is shown when it is a test image, or when the reconstruction is that candidate's image.
            int? r = retrieved is not null && i < retrieved.Length ? (int)retrieved[i] : null;
            int? shown = r is { } c && c >= 0 && (c < n || reconstructionIsRetrieved) ? c : null;
            string? name = shown is not { } k ? null
                : candidates is not null && k < candidates.Count && candidates[k].Source != "test" ? $"{candidates[k].Source}: {candidates[k].Stimulus}"
                : k < n ? $"#{k} {Stimulus(k)}".TrimEnd() : null;
            return new ReconstructionItem(i, Stimulus(i), byIndex.TryGetValue(i, out var row) ? row.Values : metricNames.ToDictionary(m => m, _ => double.NaN), shown, name);
        }).ToList();
        var gallery = new ReconstructionGallery(run, n, h, w, ToFloat(targets.Values), ToFloat(recon.Values), stimuli, metricNames, items, scores,
            scores?.RetrievalCandidates ?? candidates?.Count);
        // Cache units are shared with the dataset previews (one each): one unit per started MiB of images here.
        cache.Set((nameof(ReconstructionGallery), runId), gallery, new MemoryCacheEntryOptions
        {
            Size = 1 + (2L * n * h * w * sizeof(float) >> 20),
            SlidingExpiration = CacheFor,
        });
        return gallery;
    }

    /// <summary>The reconstruction scores of a finished run's typed summary, or null (not a reconstruction kind, no summary yet).</summary>
    public ReconstructionScores? Scores(RunSummary run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return runs.Kinds.TryGet(run.Kind, out var kind) && kind.ReadSummary(run.SummaryJson) is IReconstructionResult result ? result.Scores : null;
    }

    /// <summary>Why two galleries cannot be compared image by image, or null when they can (same dataset, same test images, same grid).</summary>
    public static string? WhyNotComparable(ReconstructionGallery a, ReconstructionGallery b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Run.DatasetId != b.Run.DatasetId)
        {
            return "These runs decoded different datasets, so their test images differ.";
        }
        if (!a.TestStimuli.SequenceEqual(b.TestStimuli))
        {
            return $"These runs were tested on different images ({a.Count} and {b.Count} test images, not the same stimuli in the same order): only runs on the same test split can be compared image by image.";
        }
        if (a.Height != b.Height || a.Width != b.Width)
        {
            return $"These runs reconstruct at different resolutions ({a.Height}x{a.Width} and {b.Height}x{b.Width}).";
        }
        return null;
    }

    /// <summary>Other finished reconstruction runs of the same dataset in the run's workspace, newest first (candidates for a comparison).</summary>
    public async Task<IReadOnlyList<RunSummary>> ComparableRunsAsync(string userId, RunSummary run, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return [.. (await runs.ListAsync(userId, run.WorkspaceId, null, ct))
            .Where(r => r.Id != run.Id && r.DatasetId == run.DatasetId && r.Status == RunStatus.Succeeded && IsReconstruction(r))];
    }

    /// <summary>The finished reconstruction runs of an experiment with their scores.</summary>
    public async Task<IReadOnlyList<ReconstructionStanding>> LeaderboardAsync(string userId, Guid workspaceId, Guid experimentId, CancellationToken ct = default) =>
        [.. (await runs.ListAsync(userId, workspaceId, experimentId, ct))
            .Where(r => r.Status == RunStatus.Succeeded && IsReconstruction(r))
            .Select(r => (Run: r, Scores: Scores(r)))
            .Where(x => x.Scores is not null)
            .Select(x => new ReconstructionStanding(x.Run, $"{Describe(x.Run)} · {x.Run.CreatedAtUtc.ToString("MMM d HH:mm:ss", CultureInfo.InvariantCulture)}", x.Scores!))];

    /// <summary>A few words telling runs apart (the kind's own description, else its name).</summary>
    public string Describe(RunSummary run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return runs.Kinds.TryGet(run.Kind, out var kind) && kind.Describe(run.ParametersJson) is { Length: > 0 } d ? $"{run.Kind} · {d}" : run.Kind;
    }

    private async Task<string> ReadTextAsync(RunArtifact artifact, CancellationToken ct)
    {
        await using var stream = store.OpenRead(artifact.Sha256);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }

    private async Task<IReadOnlyList<RetrievalCandidate>?> CandidatesAsync(IReadOnlyList<RunArtifact> artifacts, CancellationToken ct)
    {
        // candidates.json lists a retrieval kind's candidates in order (source test/pool, stimulus, image).
        if (artifacts.FirstOrDefault(a => a.Name == ReconstructionFeaturesArtifacts.Candidates.FileName) is not { } file)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<List<RetrievalCandidate>>(await ReadTextAsync(file, ct), NeuroLab.Data.Serialization.NeuroLabJson.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static float[] ToFloat(double[] values) => [.. values.Select(v => (float)v)];
}
