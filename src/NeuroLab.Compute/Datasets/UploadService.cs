using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Serialization;
using NeuroLab.Data.Storage;
using NeuroLab.Data.Workspaces;
using NeuroLab.Formats;
using NeuroLab.Formats.Inspection;

namespace NeuroLab.Compute.Datasets;

/// <summary>An uploaded file stored under the user's (cleaned) name, not yet inspected.</summary>
/// <summary>
/// A file of an upload request, stored but not yet staged. <paramref name="Pin"/> keeps its blob from garbage
/// collection until the staged-upload row refers to it (<see cref="UploadService.StageAsync"/> releases it).
/// </summary>
public sealed record UploadedFile(string FileName, StoredBlob Blob, IDisposable? Pin = null);

/// <summary>A staged upload as shown before saving: what the file is, or why it cannot be used.</summary>
public sealed record StagedUploadView(Guid Id, string FileName, long SizeBytes, string? Format, IReadOnlyList<long>? Shape, string? Dtype,
    IReadOnlyList<double>? VoxelSize, IReadOnlyDictionary<string, object?>? Summary, IReadOnlyList<string> Warnings, string? Error, FileRole? SuggestedRole);

/// <summary>
/// Receives uploaded files into a workspace: streams each into the content store (never whole in memory),
/// inspects it with the format readers, and records a staged upload with the result, so the browser can show
/// previews and per-file validation before anything becomes a dataset.
/// </summary>
public sealed class UploadService(IDbContextFactory<NeuroLabDbContext> dbFactory, WorkspaceService workspaces, ContentStore store, TimeProvider clock, InspectionGate inspections, UserLimits? limits = null)
{
    internal static JsonSerializerOptions Json => NeuroLabJson.Web;

    /// <summary>Checks the caller may upload into the workspace (Editors and Owners).</summary>
    public Task RequireUploaderAsync(string userId, Guid workspaceId, CancellationToken ct = default) =>
        workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Editor, "uploading data", ct);

    /// <summary>
    /// Stores one uploaded file (streamed, never whole in memory) without inspecting it yet: the files of one
    /// request are inspected together by <see cref="StageAsync"/>, once all of them are stored.
    /// <paramref name="pendingBytes"/> are the bytes of this request's files stored before this one (not yet staged,
    /// so not yet counted in the user's quota).
    /// </summary>
    /// <exception cref="StoreQuotaException">The file is larger than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="StorageLimitException">The file does not fit in what is left of the user's quota (<see cref="UserLimits.UserQuotaBytes"/>).</exception>
    public async Task<UploadedFile> StoreAsync(string userId, Guid workspaceId, string fileName, Stream content, long maxBytes, long pendingBytes = 0, CancellationToken ct = default)
    {
        await RequireUploaderAsync(userId, workspaceId, ct);
        var name = CleanFileName(fileName);
        long? userLeft = null;
        if (limits is not null)
        {
            await using var quotaDb = await dbFactory.CreateDbContextAsync(ct);
            // Null: the user has no quota.
            if (await limits.BytesLeftAsync(quotaDb, store, userId, clock.GetUtcNow().UtcDateTime, ct) is { } left)
            {
                userLeft = Math.Max(0, left - pendingBytes);
            }
        }
        try
        {
            var (blob, pin) = await store.AddPinnedAsync(content, userLeft is { } left ? Math.Min(maxBytes, left) : maxBytes, ct);
            return new UploadedFile(name, blob, pin);
        }
        catch (StoreQuotaException) when (userLeft is { } left && left < maxBytes)
        {
            throw limits!.QuotaExceeded(null, left);
        }
    }

    /// <summary>
    /// Inspects the stored files of one upload request together and records each as a staged upload. A GIFTI
    /// file's external data file (ExternalFileBinary) is found only among these files, by the names the user gave
    /// them — never among other requests' or other users' files, and never in the store's folders.
    /// </summary>
    public async Task<IReadOnlyList<StagedUploadView>> StageAsync(string userId, Guid workspaceId, IReadOnlyList<UploadedFile> files, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        await RequireUploaderAsync(userId, workspaceId, ct);
        var readable = files.Where(f => f.Blob.SizeBytes > 0).Select(f => new BatchFile(f.FileName, store.LocalPath(f.Blob.Sha256))).ToList();
        var results = await BatchInspection.InspectAsync(readable, inspections, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = new List<StagedUpload>();
        int next = 0;
        foreach (var file in files)
        {
            FileInspection? inspection = null;
            string? error;
            if (file.Blob.SizeBytes == 0)
            {
                error = $"{file.FileName}: the file is empty.";
            }
            else
            {
                var result = results[next++];
                inspection = result.Inspection;
                error = result.Error?.Message;
            }
            rows.Add(new StagedUpload
            {
                WorkspaceId = workspaceId,
                UserId = userId,
                FileName = file.FileName,
                Sha256 = file.Blob.Sha256,
                SizeBytes = file.Blob.SizeBytes,
                Format = inspection?.Format,
                InspectionJson = inspection is null ? null : JsonSerializer.Serialize(InspectionDocument.From(inspection), Json),
                Error = error is { Length: > 2000 } ? error[..2000] : error,
                CreatedAtUtc = now,
            });
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.StagedUploads.AddRange(rows);
        await db.SaveChangesAsync(ct);
        // The rows refer to the blobs now: collection keeps them without the pins.
        Release(files);
        return [.. rows.Select(ToView)];
    }

    /// <summary>Releases the pins of stored files (after staging, or when the request fails and they are not staged).</summary>
    public static void Release(IEnumerable<UploadedFile> files)
    {
        foreach (var file in files)
        {
            file.Pin?.Dispose();
        }
    }

    /// <summary>The caller's staged uploads in a workspace that have not expired, oldest first.</summary>
    public async Task<IReadOnlyList<StagedUploadView>> ListAsync(string userId, Guid workspaceId, CancellationToken ct = default)
    {
        await RequireUploaderAsync(userId, workspaceId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cutoff = clock.GetUtcNow().UtcDateTime - BlobReferences.StagedUploadLifetime;
        var rows = await db.StagedUploads.Where(u => u.WorkspaceId == workspaceId && u.UserId == userId && u.CreatedAtUtc > cutoff).OrderBy(u => u.CreatedAtUtc).ToListAsync(ct);
        return [.. rows.Select(ToView)];
    }

    /// <summary>One of the caller's staged uploads (for previews); null when it is not theirs or has expired.</summary>
    public async Task<StagedUpload?> FindAsync(string userId, Guid workspaceId, Guid uploadId, CancellationToken ct = default)
    {
        await RequireUploaderAsync(userId, workspaceId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cutoff = clock.GetUtcNow().UtcDateTime - BlobReferences.StagedUploadLifetime;
        return await db.StagedUploads.SingleOrDefaultAsync(u => u.Id == uploadId && u.WorkspaceId == workspaceId && u.UserId == userId && u.CreatedAtUtc > cutoff, ct);
    }

    /// <summary>Discards a staged upload.</summary>
    public async Task<bool> DiscardAsync(string userId, Guid workspaceId, Guid uploadId, CancellationToken ct = default)
    {
        await RequireUploaderAsync(userId, workspaceId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.StagedUploads.SingleOrDefaultAsync(u => u.Id == uploadId && u.WorkspaceId == workspaceId && u.UserId == userId, ct);
        if (row is null)
        {
            return false;
        }
        db.StagedUploads.Remove(row);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Longest stored file name (characters); longer names keep their end, which holds the extension.</summary>
    public const int MaxFileNameLength = 300;

    /// <summary>
    /// Keeps only the file name (folders from drag-and-drop are kept as a relative path, but never ".."), without
    /// control characters or invisible format characters such as a right-to-left override (see <see cref="UserText"/>).
    /// </summary>
    public static string CleanFileName(string fileName)
    {
        // Shortened before splitting, so a cut can never leave a ".." part behind.
        var visible = UserText.KeepEnd(UserText.RemoveInvisible(fileName ?? string.Empty), MaxFileNameLength);
        var parts = visible.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Trim()).Where(p => p is not ("" or "." or "..")).ToArray();
        var name = string.Join('/', parts);
        return name.Length == 0 ? "unnamed" : name;
    }

    internal static StagedUploadView ToView(StagedUpload u)
    {
        var doc = u.InspectionJson is null ? null : JsonSerializer.Deserialize<InspectionDocument>(u.InspectionJson, Json);
        return new StagedUploadView(u.Id, u.FileName, u.SizeBytes, u.Format, doc?.Shape, doc?.Dtype, doc?.VoxelSize,
            doc?.Summary?.ToDictionary(k => k.Key, k => (object?)k.Value), doc?.Warnings ?? [], u.Error, doc is null ? null : RoleGuesser.Guess(u.FileName, doc));
    }
}

/// <summary>A <see cref="FileInspection"/> in a JSON-friendly form (affine as rows).</summary>
public sealed record InspectionDocument(string Format, IReadOnlyList<long>? Shape, string? Dtype, double[][]? Affine, IReadOnlyList<double>? VoxelSize,
    Dictionary<string, JsonElement>? Summary, IReadOnlyList<string> Warnings)
{
    public static InspectionDocument From(FileInspection i) => new(
        i.Format, i.Shape, i.Dtype,
        i.Affine is null ? null : [.. Enumerable.Range(0, 4).Select(r => Enumerable.Range(0, 4).Select(c => i.Affine[r, c]).ToArray())],
        i.VoxelSize,
        i.Summary.ToDictionary(k => k.Key, k => JsonSerializer.SerializeToElement(k.Value, UploadService.Json)),
        i.Warnings);
}
