using Microsoft.Extensions.Caching.Memory;
using NeuroLab.Compute.Datasets;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Inspection;

namespace NeuroLab.Web.Datasets;

/// <summary>
/// Preview pictures and histograms for staged uploads, dataset files and response sets, checked against the
/// caller's access and cached by content address (a file's preview never changes). Rendering runs through the
/// <see cref="InspectionGate"/>: within the configured memory budget, a few at a time.
/// </summary>
public sealed class PreviewService(DatasetService datasets, UploadService uploads, ContentStore store, IMemoryCache cache, InspectionGate gate)
{
    private const int Side = 256;

    public async Task<byte[]?> UploadPreviewAsync(string userId, Guid workspaceId, Guid uploadId, CancellationToken ct = default)
    {
        var upload = await uploads.FindAsync(userId, workspaceId, uploadId, ct);
        return upload is null || upload.Error is not null ? null : await RenderAsync(upload.Sha256, upload.FileName, ct);
    }

    /// <summary>Histogram of a staged upload's values, or null when it has none.</summary>
    public async Task<(double[] Edges, long[] Counts)?> UploadHistogramAsync(string userId, Guid workspaceId, Guid uploadId, CancellationToken ct = default)
    {
        var upload = await uploads.FindAsync(userId, workspaceId, uploadId, ct);
        if (upload is null || upload.Error is not null)
        {
            return null;
        }
        return await CachedAsync("filehist:" + upload.Sha256, limits => PreviewRenderer.FileHistogram(store.LocalPath(upload.Sha256), limits: limits), ct);
    }

    public async Task<byte[]?> FilePreviewAsync(string userId, Guid datasetId, Guid fileId, CancellationToken ct = default)
    {
        var file = await datasets.GetFileAsync(userId, datasetId, fileId, ct);
        return await RenderAsync(file.Sha256, file.FileName, ct);
    }

    public async Task<byte[]?> ResponsePreviewAsync(string userId, Guid datasetId, Guid responseSetId, CancellationToken ct = default)
    {
        var set = await datasets.GetResponseSetAsync(userId, datasetId, responseSetId, ct);
        // Response sets are stored as .npy: the preview streams them like an uploaded array.
        return await CachedAsync("heat:" + set.ArraySha256, limits => PreviewRenderer.RenderPng(store.LocalPath(set.ArraySha256), set.ArraySha256[..12] + ".npy", Side, limits), ct);
    }

    public async Task<(double[] Edges, long[] Counts)> ResponseHistogramAsync(string userId, Guid datasetId, Guid responseSetId, CancellationToken ct = default)
    {
        var set = await datasets.GetResponseSetAsync(userId, datasetId, responseSetId, ct);
        return await CachedAsync("hist:" + set.ArraySha256, limits => PreviewRenderer.FileHistogram(store.LocalPath(set.ArraySha256), limits: limits), ct) ?? ([0, 1], [0]);
    }

    private Task<byte[]?> RenderAsync(string sha256, string fileName, CancellationToken ct) =>
        CachedAsync("png:" + sha256, limits => PreviewRenderer.RenderPng(store.LocalPath(sha256), fileName, Side, limits), ct);

    /// <summary>A cached result, computed through the gate; a file that cannot be read gives null (and is cached as such).</summary>
    private async Task<T?> CachedAsync<T>(string key, Func<InspectionLimits, T?> render, CancellationToken ct)
    {
        if (cache.TryGetValue(key, out T? cached))
        {
            return cached;
        }
        T? result;
        try
        {
            result = await gate.RunAsync(render, ct);
        }
        catch (FormatReadException)
        {
            result = default;
        }
        cache.Set(key, result, new MemoryCacheEntryOptions { Size = 1 });
        return result;
    }
}
