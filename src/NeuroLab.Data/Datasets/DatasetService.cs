using Microsoft.EntityFrameworkCore;
using NeuroLab.Data.Audit;
using NeuroLab.Data.Identity;
using NeuroLab.Data.Storage;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Data.Datasets;

/// <summary>A dataset as listed in its workspace.</summary>
public sealed record DatasetSummary(
    Guid Id, Guid WorkspaceId, string Name, string? Description, DatasetSpace Space, string? SampleKey,
    int FileCount, int StimulusCount, int ResponseSetCount, long SizeBytes, string CreatedBy, DateTime CreatedAtUtc);

/// <summary>A dataset with its files and response sets.</summary>
public sealed record DatasetDetail(
    DatasetSummary Summary, string? Citation, string? Licence,
    IReadOnlyList<DatasetFileSummary> Files, IReadOnlyList<ResponseSetSummary> ResponseSets, IReadOnlyList<string> StimulusLabels);

/// <summary>One file with what its reader found.</summary>
public sealed record DatasetFileSummary(
    Guid Id, string FileName, FileRole Role, string Format, long SizeBytes, string? ShapeJson, string? Dtype,
    string? AffineJson, string? VoxelSizeJson, string? SummaryJson, int? RunIndex, string Sha256, string ImportedBy, DateTime ImportedAtUtc);

/// <summary>One response set.</summary>
public sealed record ResponseSetSummary(Guid Id, string Name, UnitKind UnitKind, int StimulusCount, int UnitCount, string Provenance, bool HasUnitCoordinates, bool HasTrials, string? ExcludedUnitsJson);

/// <summary>A stimulus as shown in a gallery.</summary>
public sealed record StimulusSummary(long Id, int Index, string Name, string? Label, string? Caption, string? ImageSha256, string? Split);

/// <summary>
/// Reading, renaming and deleting datasets, scoped to the caller's workspace memberships: Viewers read,
/// Editors and Owners change and delete. A dataset of another workspace is "not found".
/// </summary>
public sealed class DatasetService(IDbContextFactory<NeuroLabDbContext> dbFactory, WorkspaceService workspaces, ContentStore store, TimeProvider clock)
{
    /// <summary>Datasets of a workspace, newest first.</summary>
    public async Task<IReadOnlyList<DatasetSummary>> ListAsync(string userId, Guid workspaceId, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Viewer, "listing datasets", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await SummariesAsync(db, d => d.WorkspaceId == workspaceId, ct);
        return [.. rows.OrderByDescending(d => d.CreatedAtUtc)];
    }

    /// <summary>One dataset with files and response sets.</summary>
    /// <exception cref="DatasetNotFoundException">No such dataset in the caller's workspaces.</exception>
    public async Task<DatasetDetail> GetAsync(string userId, Guid datasetId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (dataset, _) = await FindAsync(db, userId, datasetId, WorkspaceRole.Viewer, "viewing the dataset", ct);
        var summary = (await SummariesAsync(db, d => d.Id == datasetId, ct)).Single();
        var files = await (from f in db.DatasetFiles
                           where f.DatasetId == datasetId
                           join u in db.Users on f.ImportedByUserId equals u.Id into users
                           from u in users.DefaultIfEmpty()
                           orderby f.Role, f.FileName
                           select new DatasetFileSummary(f.Id, f.FileName, f.Role, f.Format, f.SizeBytes, f.ShapeJson, f.Dtype, f.AffineJson, f.VoxelSizeJson, f.SummaryJson, f.RunIndex, f.Sha256,
                               u != null ? u.Email ?? u.UserName ?? "?" : "(deleted user)", f.ImportedAtUtc)).ToListAsync(ct);
        var sets = await db.ResponseSets.Where(r => r.DatasetId == datasetId).OrderBy(r => r.Name)
            .Select(r => new ResponseSetSummary(r.Id, r.Name, r.UnitKind, r.StimulusCount, r.UnitCount, r.Provenance, r.UnitCoordinatesSha256 != null, r.TrialsSha256 != null, r.ExcludedUnitsJson))
            .ToListAsync(ct);
        var labels = await db.Stimuli.Where(s => s.DatasetId == datasetId && s.Label != null).Select(s => s.Label!).Distinct().OrderBy(l => l).Take(200).ToListAsync(ct);
        return new DatasetDetail(summary, dataset.Citation, dataset.Licence, files, sets, labels);
    }

    /// <summary>Stimuli of a dataset in index order (a page of them).</summary>
    public async Task<IReadOnlyList<StimulusSummary>> ListStimuliAsync(string userId, Guid datasetId, int skip = 0, int take = 200, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await FindAsync(db, userId, datasetId, WorkspaceRole.Viewer, "viewing stimuli", ct);
        return await db.Stimuli.Where(s => s.DatasetId == datasetId).OrderBy(s => s.Index).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 1000))
            .Select(s => new StimulusSummary(s.Id, s.Index, s.Name, s.Label, s.Caption, s.ImageSha256, s.Split)).ToListAsync(ct);
    }

    /// <summary>A file of a dataset the caller can read (for downloads and previews).</summary>
    public async Task<DatasetFile> GetFileAsync(string userId, Guid datasetId, Guid fileId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await FindAsync(db, userId, datasetId, WorkspaceRole.Viewer, "reading files", ct);
        return await db.DatasetFiles.SingleOrDefaultAsync(f => f.Id == fileId && f.DatasetId == datasetId, ct) ?? throw new DatasetNotFoundException(datasetId);
    }

    /// <summary>A response set the caller can read.</summary>
    public async Task<ResponseSet> GetResponseSetAsync(string userId, Guid datasetId, Guid responseSetId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await FindAsync(db, userId, datasetId, WorkspaceRole.Viewer, "reading responses", ct);
        return await db.ResponseSets.SingleOrDefaultAsync(r => r.Id == responseSetId && r.DatasetId == datasetId, ct) ?? throw new DatasetNotFoundException(datasetId);
    }

    /// <summary>True when the caller may read a stored blob through this dataset (stimulus previews).</summary>
    public async Task<bool> DatasetReferencesBlobAsync(string userId, Guid datasetId, string sha256, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await FindAsync(db, userId, datasetId, WorkspaceRole.Viewer, "reading stimuli", ct);
        return await db.Stimuli.AnyAsync(s => s.DatasetId == datasetId && s.ImageSha256 == sha256, ct)
            || await db.DatasetFiles.AnyAsync(f => f.DatasetId == datasetId && f.Sha256 == sha256, ct);
    }

    /// <summary>Renames a dataset (Editors and Owners).</summary>
    public async Task RenameAsync(string userId, Guid datasetId, string name, CancellationToken ct = default)
    {
        var clean = ValidateName(name);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (dataset, _) = await FindAsync(db, userId, datasetId, WorkspaceRole.Editor, "renaming datasets", ct);
        var old = dataset.Name;
        dataset.Name = clean;
        db.AuditEvents.Add(new AuditEvent { WorkspaceId = dataset.WorkspaceId, ActorUserId = userId, Action = "dataset.renamed", Detail = $"{old} -> {clean}", AtUtc = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Deletes a dataset and every file only it used (Editors and Owners).</summary>
    public async Task DeleteAsync(string userId, Guid datasetId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var (dataset, _) = await FindAsync(db, userId, datasetId, WorkspaceRole.Editor, "deleting datasets", ct);
        db.Datasets.Remove(dataset);
        db.AuditEvents.Add(new AuditEvent { WorkspaceId = dataset.WorkspaceId, ActorUserId = userId, Action = "dataset.deleted", Detail = dataset.Name, AtUtc = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
        await CollectGarbageAsync(ct);
    }

    /// <summary>Bytes used by a workspace's datasets (each stored file counted once).</summary>
    public async Task<long> WorkspaceUsageBytesAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var shas = await BlobReferences.CollectForWorkspaceAsync(db, workspaceId, ct);
        return shas.Where(store.Contains).Sum(store.SizeOf);
    }

    /// <summary>Removes stored files that nothing references any more; returns the bytes freed.</summary>
    public async Task<long> CollectGarbageAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var expired = await db.StagedUploads.Where(u => u.CreatedAtUtc <= now - BlobReferences.StagedUploadLifetime).ToListAsync(ct);
        db.StagedUploads.RemoveRange(expired);
        await db.SaveChangesAsync(ct);
        var referenced = await BlobReferences.CollectAsync(db, now, ct);
        return store.DeleteUnreferenced(referenced);
    }

    /// <summary>Trims and checks a dataset name.</summary>
    public static string ValidateName(string? name)
    {
        var clean = UserText.RemoveFormatCharacters(name ?? string.Empty).Trim();
        if (clean.Length == 0 || clean.Length > Dataset.MaxNameLength || clean.Any(char.IsControl))
        {
            throw new WorkspaceRuleException($"A dataset needs a name of 1 to {Dataset.MaxNameLength} characters without control characters.");
        }
        return clean;
    }

    private async Task<(Dataset Dataset, WorkspaceRole Role)> FindAsync(NeuroLabDbContext db, string userId, Guid datasetId, WorkspaceRole required, string action, CancellationToken ct)
    {
        var dataset = await db.Datasets.SingleOrDefaultAsync(d => d.Id == datasetId, ct) ?? throw new DatasetNotFoundException(datasetId);
        var role = await workspaces.GetRoleAsync(userId, dataset.WorkspaceId, ct) ?? throw new DatasetNotFoundException(datasetId);
        return role >= required ? (dataset, role) : throw new WorkspaceForbiddenException(role, required, action);
    }

    /// <summary>Summaries of the datasets selected by <paramref name="filter"/>, with counts gathered in grouped queries (SQLite cannot nest them).</summary>
    private static async Task<List<DatasetSummary>> SummariesAsync(NeuroLabDbContext db, System.Linq.Expressions.Expression<Func<Dataset, bool>> filter, CancellationToken ct)
    {
        var rows = await (from d in db.Datasets.Where(filter)
                          join u in db.Users on d.CreatedByUserId equals u.Id into users
                          from u in users.DefaultIfEmpty()
                          select new { d.Id, d.WorkspaceId, d.Name, d.Description, d.Space, d.SampleKey, d.CreatedAtUtc, By = u != null ? u.Email ?? u.UserName : null })
                         .ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var files = await db.DatasetFiles.Where(f => ids.Contains(f.DatasetId)).GroupBy(f => f.DatasetId)
            .Select(g => new { g.Key, Count = g.Count(), Bytes = g.Sum(f => (double)f.SizeBytes) }).ToDictionaryAsync(g => g.Key, ct);
        var stimuli = await db.Stimuli.Where(s => ids.Contains(s.DatasetId)).GroupBy(s => s.DatasetId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        var sets = await db.ResponseSets.Where(r => ids.Contains(r.DatasetId)).GroupBy(r => r.DatasetId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
        return [.. rows.Select(r => new DatasetSummary(r.Id, r.WorkspaceId, r.Name, r.Description, r.Space, r.SampleKey,
            files.TryGetValue(r.Id, out var f) ? f.Count : 0, stimuli.GetValueOrDefault(r.Id), sets.GetValueOrDefault(r.Id),
            f is null ? 0 : (long)f.Bytes, r.By ?? "(deleted user)", r.CreatedAtUtc))];
    }
}

/// <summary>No such dataset among the caller's workspaces (API answers 404).</summary>
public sealed class DatasetNotFoundException(Guid datasetId) : Exception($"Dataset {datasetId} was not found.")
{
    public Guid DatasetId { get; } = datasetId;
}
