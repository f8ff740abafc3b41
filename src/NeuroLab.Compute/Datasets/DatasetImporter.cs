using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data;
using NeuroLab.Data.Audit;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Serialization;
using NeuroLab.Data.Storage;
using NeuroLab.Data.Workspaces;
using NeuroLab.Formats;
using NeuroLab.Formats.Gifti;
using NeuroLab.Formats.Inspection;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Datasets;

/// <summary>A file to import: either a staged upload (by its store address) or a local file (samples).</summary>
public sealed record ImportSource(string FileName, FileRole Role, string? LocalPath = null, string? Sha256 = null, int? RunIndex = null, Guid? StagedUploadId = null);

/// <summary>Everything needed to create a dataset.</summary>
public sealed record DatasetImportRequest(
    Guid WorkspaceId, string UserId, string Name, string? Description, DatasetSpace Space, IReadOnlyList<ImportSource> Files,
    string Recipe = "generic", string? SampleKey = null, string? Citation = null, string? Licence = null);

/// <summary>Import progress for bars and logs.</summary>
public sealed record ImportProgress(string Stage, int Done, int Total, string? Detail = null);

/// <summary>Why one file could not be imported.</summary>
public sealed record FileProblem(string FileName, string Message);

/// <summary>The import was refused; nothing was created. <see cref="Problems"/> names each file's problem.</summary>
public sealed class DatasetImportException(string message, IReadOnlyList<FileProblem> problems) : Exception(message)
{
    public IReadOnlyList<FileProblem> Problems { get; } = problems;
}

/// <summary>
/// Turns files into a dataset in one step that either completes or leaves nothing behind: every file is
/// stored, read with its format reader and checked against its role; a recipe derives stimuli and response
/// sets (see <see cref="SampleRecipes"/>); then all rows are written in one transaction. On any failure no
/// dataset rows exist and stored files that nothing references are removed.
/// </summary>
public sealed class DatasetImporter(
    IDbContextFactory<NeuroLabDbContext> dbFactory, WorkspaceService workspaces, DatasetService datasets, ContentStore store, TimeProvider clock, long workspaceQuotaBytes = 0,
    InspectionGate? inspections = null, UserLimits? userLimits = null)
{
    /// <summary>Imports and returns the new dataset's id.</summary>
    /// <exception cref="DatasetImportException">Some files are unreadable or unfit for their role; nothing was created.</exception>
    public async Task<Guid> ImportAsync(DatasetImportRequest request, IProgress<ImportProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await workspaces.RequireRoleAsync(request.UserId, request.WorkspaceId, WorkspaceRole.Editor, "importing data", ct);
        var name = DatasetService.ValidateName(request.Name);
        if (request.Files.Count == 0)
        {
            throw new DatasetImportException("A dataset needs at least one file.", []);
        }
        try
        {
            var files = await StoreAndInspectAsync(request, progress, ct);
            await CheckQuotaAsync(request.WorkspaceId, request.UserId, files, ct);
            progress?.Report(new ImportProgress("Deriving stimuli and responses", 0, 1, request.Recipe));
            var context = new RecipeContext(files, store, request.UserId, progress, ct);
            var derived = await SampleRecipes.RunAsync(request.Recipe, context);
            progress?.Report(new ImportProgress("Saving", 0, 1));
            var id = await SaveAsync(request, name, files, derived, ct);
            progress?.Report(new ImportProgress("Done", 1, 1));
            return id;
        }
        catch (Exception e) when (e is DatasetImportException or FormatReadException or OperationCanceledException or StoreQuotaException or StorageLimitException)
        {
            await datasets.CollectGarbageAsync(CancellationToken.None);
            throw;
        }
    }

    private async Task<List<ImportedFile>> StoreAndInspectAsync(DatasetImportRequest request, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        var files = new List<ImportedFile>();
        var problems = new List<FileProblem>();
        int done = 0;
        var stagedIds = request.Files.Select(f => f.StagedUploadId).OfType<Guid>().ToList();
        Dictionary<Guid, (string Sha, string FileName)> stagedShas = [];
        if (stagedIds.Count > 0)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            stagedShas = await db.StagedUploads
                .Where(u => stagedIds.Contains(u.Id) && u.UserId == request.UserId && u.WorkspaceId == request.WorkspaceId)
                .ToDictionaryAsync(u => u.Id, u => (u.Sha256, u.FileName), ct);
        }
        var stored = new List<(ImportSource Source, StoredBlob Blob)>();
        foreach (var requested in request.Files)
        {
            ct.ThrowIfCancellationRequested();
            // A staged upload keeps the name it was uploaded with.
            var source = requested.StagedUploadId is { } stagedId && stagedShas.TryGetValue(stagedId, out var known) ? requested with { FileName = known.FileName } : requested;
            progress?.Report(new ImportProgress("Reading files", done, request.Files.Count, source.FileName));
            StoredBlob blob;
            var sha = source.Sha256 ?? (source.StagedUploadId is { } staged && stagedShas.TryGetValue(staged, out var entry) ? entry.Sha : null);
            if (source.StagedUploadId is not null && sha is null)
            {
                problems.Add(new FileProblem(source.FileName, "this upload is not one of yours in this workspace, or it expired; upload it again."));
                done++;
                continue;
            }
            if (sha is not null)
            {
                if (!store.Contains(sha))
                {
                    problems.Add(new FileProblem(source.FileName, "the uploaded file is no longer stored; upload it again."));
                    done++;
                    continue;
                }
                blob = new StoredBlob(sha, store.SizeOf(sha));
            }
            else if (source.LocalPath is not null)
            {
                await using var stream = File.OpenRead(source.LocalPath);
                blob = await store.AddAsync(stream, long.MaxValue, ct);
            }
            else
            {
                throw new ArgumentException($"Import source {source.FileName} has neither a stored file nor a local path.", nameof(request));
            }
            stored.Add((source, blob));
            done++;
        }
        // The files chosen for this dataset are inspected together: a .gii reads its external data file from
        // among them (the same user's files of this import, by name), never from anywhere else in the store.
        var batch = stored.Select(s => new BatchFile(UploadService.CleanFileName(s.Source.FileName), store.LocalPath(s.Blob.Sha256))).ToList();
        var inspected = await BatchInspection.InspectAsync(batch, inspections ?? InspectionGate.Default, ct);
        for (int i = 0; i < stored.Count; i++)
        {
            var (source, blob) = stored[i];
            if (inspected[i].Error is { } error)
            {
                problems.Add(new FileProblem(source.FileName, error.Reason));
                continue;
            }
            var inspection = inspected[i].Inspection!;
            var roleProblem = RoleRules.Check(source.Role, inspection);
            if (roleProblem is not null)
            {
                problems.Add(new FileProblem(source.FileName, roleProblem));
            }
            if (inspection.Summary.ContainsKey(FileInspector.ExternalFilesKey))
            {
                blob = await SelfContainedGiftiAsync(batch[i], BatchInspection.ExternalFiles(batch), ct);
            }
            files.Add(new ImportedFile(source, blob, inspection));
        }
        if (problems.Count == 0)
        {
            // Region time series are checked together: one parcellation across subjects, no empty or constant regions.
            var series = files.Where(f => f.Source.Role == FileRole.RegionTimeSeries)
                .Select(f => (f.Source.FileName, RegionTimeSeriesFiles.Read(store.LocalPath(f.Blob.Sha256), f.Source.FileName))).ToList();
            problems.AddRange(RegionTimeSeriesFiles.Check(series).Select(p => new FileProblem(p.FileName, p.Problem)));
        }
        if (problems.Count > 0)
        {
            throw new DatasetImportException($"{problems.Count} of {request.Files.Count} files cannot be imported; nothing was saved.", problems);
        }
        return files;
    }

    /// <summary>
    /// Stores a .gii whose arrays live in external data files as one self-contained document (the data folded in,
    /// see <see cref="GiftiWriter.Write"/>), so every later reader — viewer, previews, downloads — finds the values
    /// in the .gii itself and never needs to resolve a data file again.
    /// </summary>
    private async Task<StoredBlob> SelfContainedGiftiAsync(BatchFile file, GiftiExternalFiles externalFiles, CancellationToken ct)
    {
        GiftiFile gifti;
        await using (var stream = File.OpenRead(file.LocalPath))
        {
            gifti = GiftiReader.Read(stream, file.FileName, externalFiles: externalFiles);
        }
        return await store.AddAsync(output => GiftiWriter.Write(output, gifti), ct);
    }

    private async Task CheckQuotaAsync(Guid workspaceId, string userId, List<ImportedFile> files, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (userLimits is not null)
        {
            await userLimits.RequireRoomAsync(db, store, userId, files.Select(f => f.Blob), clock.GetUtcNow().UtcDateTime, ct);
        }
        if (workspaceQuotaBytes <= 0)
        {
            return;
        }
        var existing = await BlobReferences.CollectForWorkspaceAsync(db, workspaceId, ct);
        long used = existing.Where(store.Contains).Sum(store.SizeOf);
        long adding = files.Where(f => !existing.Contains(f.Blob.Sha256)).DistinctBy(f => f.Blob.Sha256).Sum(f => f.Blob.SizeBytes);
        if (used + adding > workspaceQuotaBytes)
        {
            throw new DatasetImportException(
                $"This import needs {adding / 1048576.0:N1} MiB but the workspace has {(workspaceQuotaBytes - used) / 1048576.0:N1} MiB left of its {workspaceQuotaBytes / 1048576.0:N0} MiB quota (NeuroLab:Storage:WorkspaceQuotaBytes).", []);
        }
    }

    private async Task<Guid> SaveAsync(DatasetImportRequest request, string name, List<ImportedFile> files, DerivedData derived, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var dataset = new Dataset
        {
            WorkspaceId = request.WorkspaceId,
            Name = name,
            Description = request.Description?.Trim() is { Length: > 0 } d ? d : null,
            Space = request.Space,
            SampleKey = request.SampleKey,
            Citation = request.Citation,
            Licence = request.Licence,
            CreatedByUserId = request.UserId,
            CreatedAtUtc = now,
        };
        var fileIds = new Dictionary<ImportedFile, Guid>();
        foreach (var f in files)
        {
            var entity = new DatasetFile
            {
                FileName = UploadService.CleanFileName(f.Source.FileName),
                Role = f.Source.Role,
                Format = f.Inspection.Format,
                Sha256 = f.Blob.Sha256,
                SizeBytes = f.Blob.SizeBytes,
                ShapeJson = f.Inspection.Shape is null ? null : JsonSerializer.Serialize(f.Inspection.Shape, NeuroLabJson.Web),
                Dtype = f.Inspection.Dtype,
                AffineJson = InspectionDocument.From(f.Inspection).Affine is { } a ? JsonSerializer.Serialize(a, NeuroLabJson.Web) : null,
                VoxelSizeJson = f.Inspection.VoxelSize is null ? null : JsonSerializer.Serialize(f.Inspection.VoxelSize, NeuroLabJson.Web),
                SummaryJson = JsonSerializer.Serialize(InspectionDocument.From(f.Inspection).Summary, UploadService.Json),
                RunIndex = f.Source.RunIndex,
                ImportedByUserId = request.UserId,
                ImportedAtUtc = now,
            };
            fileIds[f] = entity.Id;
            dataset.Files.Add(entity);
        }
        dataset.Stimuli.AddRange(derived.Stimuli.Select((s, i) => new Stimulus
        {
            Index = i,
            Name = s.Name,
            Label = s.Label,
            Caption = s.Caption,
            ImageSha256 = s.ImageSha256,
            Split = s.Split,
        }));
        dataset.ResponseSets.AddRange(derived.ResponseSets.Select(r => new ResponseSet
        {
            Name = r.Name,
            UnitKind = r.UnitKind,
            StimulusCount = r.StimulusCount,
            UnitCount = r.UnitCount,
            ArraySha256 = r.ArraySha256,
            UnitCoordinatesSha256 = r.UnitCoordinatesSha256,
            ReferenceFileId = r.ReferenceFile is null ? null : fileIds[r.ReferenceFile],
            TrialsSha256 = r.TrialsSha256,
            TrialStimulusJson = r.TrialStimulus is null ? null : JsonSerializer.Serialize(r.TrialStimulus, NeuroLabJson.Web),
            Provenance = r.Provenance,
            ExcludedUnitsJson = r.ExcludedUnits.Count == 0 ? null : JsonSerializer.Serialize(r.ExcludedUnits, NeuroLabJson.Web),
        }));
        db.Datasets.Add(dataset);
        foreach (var (file, regions) in derived.AtlasRegions)
        {
            db.AtlasRegions.AddRange(regions.Select(r => new AtlasRegion { FileId = fileIds[file], Value = r.Value, Name = r.Name }));
        }
        var staged = files.Select(f => f.Source.StagedUploadId).OfType<Guid>().ToList();
        if (staged.Count > 0)
        {
            db.StagedUploads.RemoveRange(await db.StagedUploads.Where(u => staged.Contains(u.Id) && u.UserId == request.UserId).ToListAsync(ct));
        }
        db.AuditEvents.Add(new AuditEvent
        {
            WorkspaceId = request.WorkspaceId,
            ActorUserId = request.UserId,
            Action = "dataset.imported",
            Detail = $"{name} ({files.Count} files, {derived.Stimuli.Count} stimuli, {derived.ResponseSets.Count} response sets)",
            AtUtc = now,
        });
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return dataset.Id;
    }
}

/// <summary>A stored, inspected file on its way into a dataset.</summary>
public sealed record ImportedFile(ImportSource Source, StoredBlob Blob, FileInspection Inspection)
{
    public string Name => Path.GetFileName(Source.FileName);
}

/// <summary>What a recipe derives from the files.</summary>
public sealed class DerivedData
{
    public List<DerivedStimulus> Stimuli { get; } = [];

    public List<DerivedResponseSet> ResponseSets { get; } = [];

    public List<(ImportedFile File, IReadOnlyList<(int Value, string Name)> Regions)> AtlasRegions { get; } = [];
}

public sealed record DerivedStimulus(string Name, string? Label = null, string? Caption = null, string? ImageSha256 = null, string? Split = null);

public sealed record DerivedResponseSet(
    string Name, UnitKind UnitKind, int StimulusCount, int UnitCount, string ArraySha256, string Provenance, IReadOnlyList<int> ExcludedUnits,
    string? UnitCoordinatesSha256 = null, ImportedFile? ReferenceFile = null, string? TrialsSha256 = null, IReadOnlyList<int>? TrialStimulus = null);

/// <summary>Files, storage and progress handed to a recipe.</summary>
public sealed class RecipeContext(IReadOnlyList<ImportedFile> files, ContentStore store, string userId, IProgress<ImportProgress>? progress, CancellationToken ct)
{
    public IReadOnlyList<ImportedFile> Files { get; } = files;

    public ContentStore Store { get; } = store;

    public string UserId { get; } = userId;

    public IProgress<ImportProgress>? Progress { get; } = progress;

    public CancellationToken Cancellation { get; } = ct;

    /// <summary>Local path of a file's stored bytes, for readers.</summary>
    public string PathOf(ImportedFile file) => Store.LocalPath(file.Blob.Sha256);

    /// <summary>Files with a role, in name order (natural order for numbered names).</summary>
    public IReadOnlyList<ImportedFile> WithRole(FileRole role) =>
        [.. Files.Where(f => f.Source.Role == role).OrderBy(f => f.Source.RunIndex ?? 0).ThenBy(f => f.Name, NaturalStringComparer.Instance)];

    /// <summary>Stores an array as .npy and returns its address.</summary>
    public async Task<string> StoreArrayAsync(NumericArray array) =>
        (await Store.AddAsync(stream => NpyWriter.Write(stream, array), Cancellation)).Sha256;

    /// <summary>Stores PNG bytes and returns their address.</summary>
    public async Task<string> StorePngAsync(byte[] png)
    {
        using var memory = new MemoryStream(png);
        return (await Store.AddAsync(memory, long.MaxValue, Cancellation)).Sha256;
    }
}

/// <summary>Orders "2.jpg" before "10.jpg".</summary>
public sealed class NaturalStringComparer : IComparer<string>
{
    public static NaturalStringComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return string.CompareOrdinal(x, y);
        }
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                int si = i, sj = j;
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }
                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }
                var a = x[si..i].TrimStart('0');
                var b = y[sj..j].TrimStart('0');
                int c = a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
                if (c != 0)
                {
                    return c;
                }
                continue;
            }
            int d = char.ToLowerInvariant(x[i]).CompareTo(char.ToLowerInvariant(y[j]));
            if (d != 0)
            {
                return d;
            }
            i++;
            j++;
        }
        return (x.Length - i).CompareTo(y.Length - j);
    }
}
