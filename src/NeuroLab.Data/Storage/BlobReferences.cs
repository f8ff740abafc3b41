using Microsoft.EntityFrameworkCore;

namespace NeuroLab.Data.Storage;

/// <summary>Every content-store address the database still points to (for garbage collection and quotas).</summary>
public static class BlobReferences
{
    /// <summary>How long a staged upload keeps its blob alive without being saved into a dataset.</summary>
    public static readonly TimeSpan StagedUploadLifetime = TimeSpan.FromDays(1);

    /// <summary>All referenced SHA-256 addresses.</summary>
    public static async Task<HashSet<string>> CollectAsync(NeuroLabDbContext db, DateTime nowUtc, CancellationToken ct = default)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        referenced.UnionWith(await db.DatasetFiles.Select(f => f.Sha256).ToListAsync(ct));
        referenced.UnionWith(await db.Stimuli.Where(s => s.ImageSha256 != null).Select(s => s.ImageSha256!).ToListAsync(ct));
        referenced.UnionWith(await db.ResponseSets.Select(r => r.ArraySha256).ToListAsync(ct));
        referenced.UnionWith(await db.ResponseSets.Where(r => r.UnitCoordinatesSha256 != null).Select(r => r.UnitCoordinatesSha256!).ToListAsync(ct));
        referenced.UnionWith(await db.ResponseSets.Where(r => r.TrialsSha256 != null).Select(r => r.TrialsSha256!).ToListAsync(ct));
        referenced.UnionWith(await db.RunArtifacts.Select(a => a.Sha256).ToListAsync(ct));
        referenced.UnionWith(await db.Runs.Where(r => r.CheckpointSha256 != null).Select(r => r.CheckpointSha256!).ToListAsync(ct));
        var cutoff = nowUtc - StagedUploadLifetime;
        referenced.UnionWith(await db.StagedUploads.Where(u => u.CreatedAtUtc > cutoff).Select(u => u.Sha256).ToListAsync(ct));
        return referenced;
    }

    /// <summary>Addresses referenced by one workspace's datasets (each counted once for its quota).</summary>
    public static Task<HashSet<string>> CollectForWorkspaceAsync(NeuroLabDbContext db, Guid workspaceId, CancellationToken ct = default) =>
        CollectForDatasetsAsync(db, db.Datasets.Where(d => d.WorkspaceId == workspaceId).Select(d => d.Id), ct);

    /// <summary>
    /// Addresses one user added, in every workspace: the data of the datasets they created and their staged uploads
    /// that have not expired (each counted once for their quota, wherever it is stored).
    /// </summary>
    public static async Task<HashSet<string>> CollectForUserAsync(NeuroLabDbContext db, string userId, DateTime nowUtc, CancellationToken ct = default)
    {
        var referenced = await CollectForDatasetsAsync(db, db.Datasets.Where(d => d.CreatedByUserId == userId).Select(d => d.Id), ct);
        var cutoff = nowUtc - StagedUploadLifetime;
        referenced.UnionWith(await db.StagedUploads.Where(u => u.UserId == userId && u.CreatedAtUtc > cutoff).Select(u => u.Sha256).ToListAsync(ct));
        return referenced;
    }

    private static async Task<HashSet<string>> CollectForDatasetsAsync(NeuroLabDbContext db, IQueryable<Guid> datasets, CancellationToken ct)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        referenced.UnionWith(await db.DatasetFiles.Where(f => datasets.Contains(f.DatasetId)).Select(f => f.Sha256).ToListAsync(ct));
        referenced.UnionWith(await db.Stimuli.Where(s => datasets.Contains(s.DatasetId) && s.ImageSha256 != null).Select(s => s.ImageSha256!).ToListAsync(ct));
        var sets = await db.ResponseSets.Where(r => datasets.Contains(r.DatasetId)).Select(r => new { r.ArraySha256, r.UnitCoordinatesSha256, r.TrialsSha256 }).ToListAsync(ct);
        foreach (var s in sets)
        {
            referenced.Add(s.ArraySha256);
            if (s.UnitCoordinatesSha256 is not null)
            {
                referenced.Add(s.UnitCoordinatesSha256);
            }
            if (s.TrialsSha256 is not null)
            {
                referenced.Add(s.TrialsSha256);
            }
        }
        return referenced;
    }
}
