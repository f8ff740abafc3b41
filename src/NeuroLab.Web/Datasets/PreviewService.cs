using Microsoft.Extensions.Caching.Memory;
using NeuroLab.Compute.Datasets;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Inspection;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Web.Datasets;

/// <summary>
/// Preview pictures and histograms for staged uploads, dataset files and response sets, checked against the
/// caller's access and cached by content address (a file's preview never changes).
/// </summary>
public sealed class PreviewService(DatasetService datasets, UploadService uploads, ContentStore store, IMemoryCache cache)
{
    private const int Side = 256;

    public async Task<byte[]?> UploadPreviewAsync(string userId, Guid workspaceId, Guid uploadId, CancellationToken ct = default)
    {
        var upload = await uploads.FindAsync(userId, workspaceId, uploadId, ct);
        return upload is null || upload.Error is not null ? null : Render(upload.Sha256, upload.FileName);
    }

    /// <summary>Histogram of a staged upload's values, or null when it has none.</summary>
    public async Task<(double[] Edges, long[] Counts)?> UploadHistogramAsync(string userId, Guid workspaceId, Guid uploadId, CancellationToken ct = default)
    {
        var upload = await uploads.FindAsync(userId, workspaceId, uploadId, ct);
        if (upload is null || upload.Error is not null)
        {
            return null;
        }
        return cache.GetOrCreate("filehist:" + upload.Sha256, entry =>
        {
            entry.Size = 1;
            try
            {
                return PreviewRenderer.FileHistogram(store.LocalPath(upload.Sha256));
            }
            catch (FormatReadException)
            {
                return null;
            }
        });
    }

    public async Task<byte[]?> FilePreviewAsync(string userId, Guid datasetId, Guid fileId, CancellationToken ct = default)
    {
        var file = await datasets.GetFileAsync(userId, datasetId, fileId, ct);
        return Render(file.Sha256, file.FileName);
    }

    public async Task<byte[]?> ResponsePreviewAsync(string userId, Guid datasetId, Guid responseSetId, CancellationToken ct = default)
    {
        var set = await datasets.GetResponseSetAsync(userId, datasetId, responseSetId, ct);
        return cache.GetOrCreate("heat:" + set.ArraySha256, entry =>
        {
            entry.Size = 1;
            return PreviewRenderer.Heatmap(ReadArray(set.ArraySha256), Side);
        });
    }

    public async Task<(double[] Edges, long[] Counts)> ResponseHistogramAsync(string userId, Guid datasetId, Guid responseSetId, CancellationToken ct = default)
    {
        var set = await datasets.GetResponseSetAsync(userId, datasetId, responseSetId, ct);
        return cache.GetOrCreate("hist:" + set.ArraySha256, entry =>
        {
            entry.Size = 1;
            return PreviewRenderer.Histogram(ReadArray(set.ArraySha256).ToFloat64());
        });
    }

    private NumericArray ReadArray(string sha256)
    {
        using var stream = store.OpenRead(sha256);
        return NpyReader.Read(stream, sha256[..12] + ".npy");
    }

    private byte[]? Render(string sha256, string fileName) =>
        cache.GetOrCreate("png:" + sha256, entry =>
        {
            entry.Size = 1;
            try
            {
                return PreviewRenderer.RenderPng(store.LocalPath(sha256), fileName, Side);
            }
            catch (FormatReadException)
            {
                return null;
            }
        });
}
