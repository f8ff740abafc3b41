using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Geometry;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Storage;
using NeuroLab.Data.Workspaces;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Web.Viewer;

/// <summary>What a viewable volume is to the viewer.</summary>
public enum ViewerItemKind
{
    /// <summary>An anatomical image or template (role Anatomy): a background.</summary>
    Anatomy,

    /// <summary>A statistical or other 3-D map of a dataset (roles Other, Mask).</summary>
    Map,

    /// <summary>A labelled atlas with region names (role Atlas).</summary>
    Atlas,

    /// <summary>A per-voxel result map a run produced (test r, best alpha...).</summary>
    RunMap,
}

/// <summary>
/// A 3-D volume the viewer can show. <see cref="Key"/> is stable and goes into page URLs:
/// <c>file:{datasetId}:{fileId}</c> or <c>artifact:{artifactId}</c>.
/// </summary>
public sealed record ViewerItem(
    string Key, string Label, string Url, string FileName, string Sha256, DatasetSpace Space, Guid DatasetId, string DatasetName,
    ViewerItemKind Kind, Guid? RunId = null, string? MapName = null)
{
    /// <summary>How a run map's values read, as its kind declares (signed scores, non-negative values, category codes).</summary>
    public MapValues Values { get; init; } = MapValues.Signed;

    /// <summary>For a category map: the run's artifact naming the codes (value -> name).</summary>
    public string? ValueNamesFile { get; init; }

    /// <summary>A short name for readouts: the file name without its NIfTI extension, or "map · run abcd1234".</summary>
    public string ShortLabel => RunId is { } run ? $"{MapName} · run {run.ToString()[..8]}" : FileName.Replace(".nii.gz", "", StringComparison.Ordinal).Replace(".nii", "", StringComparison.Ordinal);
}

/// <summary>A surface file of a surface dataset (fsaverage5): a mesh (pial, white, infl, ...) or per-vertex data (curv, sulc, ...) of one hemisphere.</summary>
public sealed record SurfaceFile(string Kind, string Hemisphere, string Url, string FileName, string Sha256, bool IsMesh);

/// <summary>The surfaces of one dataset in surface space, by kind and hemisphere.</summary>
public sealed record SurfaceSet(Guid DatasetId, string DatasetName, IReadOnlyList<SurfaceFile> Files)
{
    public SurfaceFile? Mesh(string kind, string hemisphere) => Files.FirstOrDefault(f => f.IsMesh && f.Kind == kind && f.Hemisphere == hemisphere);

    /// <summary>Mesh kinds present for both hemispheres (pial, white, infl, ...).</summary>
    public IEnumerable<string> MeshKinds => Files.Where(f => f.IsMesh).GroupBy(f => f.Kind).Where(g => g.Count() >= 2).Select(g => g.Key);

    /// <summary>Per-vertex data kinds present for both hemispheres (curv, sulc, thickness, ...).</summary>
    public IEnumerable<string> DataKinds => Files.Where(f => !f.IsMesh).GroupBy(f => f.Kind).Where(g => g.Count() >= 2).Select(g => g.Key);

    /// <summary>Whether volumes can be projected onto these surfaces (white and pial of both hemispheres).</summary>
    public bool CanSample => Mesh("white", "left") is not null && Mesh("pial", "left") is not null && Mesh("white", "right") is not null && Mesh("pial", "right") is not null;
}

/// <summary>Everything viewable in a workspace.</summary>
public sealed record ViewerCatalog(IReadOnlyList<ViewerItem> Items, IReadOnlyList<SurfaceSet>? SurfaceSets = null)
{
    public IReadOnlyList<SurfaceSet> Surfaces => SurfaceSets ?? [];

    public IEnumerable<ViewerItem> Backgrounds => Items.Where(i => i.Kind == ViewerItemKind.Anatomy);

    public IEnumerable<ViewerItem> Atlases => Items.Where(i => i.Kind == ViewerItemKind.Atlas);

    public ViewerItem? Find(string? key) => key is null ? null : Items.FirstOrDefault(i => i.Key == key);
}

/// <summary>The unit of a run's response set at a voxel of its maps.</summary>
public sealed record RunUnit(Guid RunId, int Unit, int[] Ijk);

/// <summary>
/// Lists the volumes of a workspace the viewer can show (dataset NIfTI files and run maps), names atlas regions at
/// a world position, and finds the unit of a run under a voxel. Scoped to the caller's memberships: a workspace the
/// caller is not a member of has nothing.
/// </summary>
public sealed class ViewerService(IDbContextFactory<NeuroLabDbContext> dbFactory, WorkspaceService workspaces, VolumeSampler sampler, ContentStore store, UnitGeometryService geometry, RunKindRegistry kinds)
{
    private readonly ConcurrentDictionary<Guid, IReadOnlyDictionary<int, string>> _regions = new();
    private readonly ConcurrentDictionary<Guid, UnitGeometry?> _units = new();

    public async Task<ViewerCatalog> CatalogAsync(string userId, Guid workspaceId, CancellationToken ct = default)
    {
        if (await workspaces.GetRoleAsync(userId, workspaceId, ct) is null)
        {
            return new ViewerCatalog([]);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var datasets = await db.Datasets.Where(d => d.WorkspaceId == workspaceId).Select(d => new { d.Id, d.Name, d.Space }).ToDictionaryAsync(d => d.Id, ct);
        var files = await db.DatasetFiles
            .Where(f => datasets.Keys.Contains(f.DatasetId) && f.Format == "nifti" && (f.Role == FileRole.Anatomy || f.Role == FileRole.Atlas || f.Role == FileRole.Mask || f.Role == FileRole.Other))
            .Select(f => new { f.Id, f.DatasetId, f.FileName, f.Role, f.Sha256, f.ShapeJson })
            .ToListAsync(ct);
        var items = new List<ViewerItem>();
        foreach (var f in files.Where(f => IsThreeD(f.ShapeJson)).OrderBy(f => datasets[f.DatasetId].Name).ThenBy(f => f.FileName))
        {
            var d = datasets[f.DatasetId];
            var kind = f.Role switch { FileRole.Anatomy => ViewerItemKind.Anatomy, FileRole.Atlas => ViewerItemKind.Atlas, _ => ViewerItemKind.Map };
            items.Add(new ViewerItem($"file:{f.DatasetId}:{f.Id}", $"{d.Name} · {Path.GetFileName(f.FileName)}", $"api/v1/datasets/{f.DatasetId}/files/{f.Id}",
                Path.GetFileName(f.FileName), f.Sha256, d.Space, f.DatasetId, d.Name, kind));
        }
        var runs = await db.Runs.Where(r => r.WorkspaceId == workspaceId && r.Status == RunStatus.Succeeded)
            .OrderByDescending(r => r.FinishedAtUtc).Select(r => new { r.Id, r.Kind, r.DatasetId, r.FinishedAtUtc }).ToListAsync(ct);
        var runIds = runs.Select(r => r.Id).ToList();
        string volumeMap = ArtifactRole.VolumeMap.Name();
        var maps = await db.RunArtifacts.Where(a => runIds.Contains(a.RunId) && a.Role == volumeMap && a.Format == "nii.gz")
            .Select(a => new { a.Id, a.RunId, a.Name, a.Sha256 }).ToListAsync(ct);
        foreach (var run in runs)
        {
            var d = datasets[run.DatasetId];
            // In the order the run's kind declares its maps: the map of the score the run is judged by first.
            var declared = kinds.TryGet(run.Kind, out var kind) ? kind.Info.Artifacts.Select(x => x.FileName).ToList() : [];
            foreach (var a in maps.Where(m => m.RunId == run.Id).OrderBy(m => declared.IndexOf(m.Name) is var i && i >= 0 ? i : int.MaxValue).ThenBy(m => m.Name))
            {
                var mapName = a.Name.Replace(".nii.gz", "", StringComparison.Ordinal);
                var spec = kind?.Artifact(a.Name);
                items.Add(new ViewerItem($"artifact:{a.Id}", $"{run.Kind} {run.Id.ToString()[..8]} · {mapName}", $"api/v1/artifacts/{a.Id}", a.Name, a.Sha256,
                    d.Space, run.DatasetId, d.Name, ViewerItemKind.RunMap, run.Id, mapName)
                {
                    Values = spec?.Values ?? MapValues.Signed,
                    ValueNamesFile = spec?.ValueNames?.FileName,
                });
            }
        }
        return new ViewerCatalog(items, await SurfaceSetsAsync(db, datasets.Where(d => d.Value.Space == DatasetSpace.Fsaverage5).ToDictionary(d => d.Key, d => d.Value.Name), ct));
    }

    /// <summary>Surface files named like <c>{kind}_{left|right}.gii[.gz]</c> (the fsaverage5 sample's layout).</summary>
    private static async Task<IReadOnlyList<SurfaceSet>> SurfaceSetsAsync(NeuroLabDbContext db, Dictionary<Guid, string> datasets, CancellationToken ct)
    {
        var ids = datasets.Keys.ToList();
        var files = await db.DatasetFiles.Where(f => ids.Contains(f.DatasetId) && f.Format == "gifti" && (f.Role == FileRole.Surface || f.Role == FileRole.SurfaceData))
            .Select(f => new { f.Id, f.DatasetId, f.FileName, f.Role, f.Sha256 }).ToListAsync(ct);
        var sets = new List<SurfaceSet>();
        foreach (var group in files.GroupBy(f => f.DatasetId))
        {
            var surfaceFiles = new List<SurfaceFile>();
            foreach (var f in group)
            {
                var name = Path.GetFileName(f.FileName);
                var stem = name.Replace(".gii.gz", "", StringComparison.Ordinal).Replace(".gii", "", StringComparison.Ordinal);
                int cut = stem.LastIndexOf('_');
                var hemisphere = cut > 0 ? stem[(cut + 1)..] : "";
                if (hemisphere is "left" or "right")
                {
                    surfaceFiles.Add(new SurfaceFile(stem[..cut], hemisphere, $"api/v1/datasets/{f.DatasetId}/files/{f.Id}", name, f.Sha256, f.Role == FileRole.Surface));
                }
            }
            sets.Add(new SurfaceSet(group.Key, datasets[group.Key], surfaceFiles));
        }
        return sets;
    }

    private static bool IsThreeD(string? shapeJson)
    {
        if (shapeJson is null)
        {
            return false;
        }
        var shape = JsonSerializer.Deserialize<long[]>(shapeJson) ?? [];
        return shape.Length >= 3 && shape.Skip(3).All(n => n == 1);
    }

    /// <summary>
    /// A volume projected onto one hemisphere of a surface set (average along white-to-pial segments), as a GIFTI
    /// functional file, or null when the volume or the surfaces are not the caller's.
    /// </summary>
    public async Task<(byte[] Gifti, string ETag)?> SurfaceOverlayAsync(string userId, Guid workspaceId, string volumeKey, Guid surfaceDatasetId, string hemisphere, CancellationToken ct = default)
    {
        if (hemisphere is not ("left" or "right"))
        {
            return null;
        }
        var catalog = await CatalogAsync(userId, workspaceId, ct);
        var item = catalog.Find(volumeKey);
        var set = catalog.Surfaces.FirstOrDefault(s => s.DatasetId == surfaceDatasetId);
        if (item is null || set is null || set.Mesh("white", hemisphere) is not { } white || set.Mesh("pial", hemisphere) is not { } pial)
        {
            return null;
        }
        var values = sampler.OnSurface(item.Sha256, item.FileName, white, pial);
        using var stream = new MemoryStream();
        NeuroLab.Formats.Gifti.GiftiWriter.WritePerVertex(stream, [($"{item.ShortLabel} on {set.DatasetName} ({hemisphere})", values)],
            anatomicalStructure: hemisphere == "left" ? "CortexLeft" : "CortexRight");
        return (stream.ToArray(), $"{item.Sha256[..16]}-{white.Sha256[..16]}-{pial.Sha256[..16]}");
    }

    /// <summary>Value range of a volume, for default display settings.</summary>
    public VolumeStats Stats(ViewerItem item) => sampler.Stats(item.Sha256, item.FileName);

    /// <summary>The value of a volume at a world position.</summary>
    public VoxelSample Sample(ViewerItem item, IReadOnlyList<double> mm) => sampler.Sample(item.Sha256, item.FileName, mm);

    /// <summary>The atlas region at a world position: its name, "outside the atlas", or null for background (label 0).</summary>
    public async Task<string?> RegionAsync(ViewerItem atlas, IReadOnlyList<double> mm, CancellationToken ct = default)
    {
        var sample = sampler.Sample(atlas.Sha256, atlas.FileName, mm);
        if (!sample.Inside)
        {
            return "outside the atlas";
        }
        int label = (int)Math.Round(sample.Value);
        if (label == 0)
        {
            return null;
        }
        var fileId = Guid.Parse(atlas.Key.Split(':')[2]);
        if (!_regions.TryGetValue(fileId, out var names))
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            names = await db.AtlasRegions.Where(r => r.FileId == fileId).ToDictionaryAsync(r => r.Value, r => r.Name, ct);
            _regions[fileId] = names;
        }
        return names.TryGetValue(label, out var name) ? name : $"label {label} (no name)";
    }

    private readonly ConcurrentDictionary<Guid, IReadOnlyDictionary<int, string>> _categoryNames = new();

    /// <summary>Names of a category run map's values (value -> category, from the document its kind declares), or null for other maps.</summary>
    public async Task<IReadOnlyDictionary<int, string>?> ValueNamesAsync(ViewerItem item, CancellationToken ct = default)
    {
        if (item.RunId is not { } runId || item.Values != MapValues.Categorical || item.ValueNamesFile is not { } file)
        {
            return null;
        }
        if (!_categoryNames.TryGetValue(runId, out var names))
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var sha = await db.RunArtifacts.Where(a => a.RunId == runId && a.Name == file).Select(a => a.Sha256).SingleOrDefaultAsync(ct);
            var parsed = new Dictionary<int, string>();
            if (sha is not null)
            {
                await using var stream = store.OpenRead(sha);
                foreach (var (key, value) in await JsonSerializer.DeserializeAsync<Dictionary<string, string>>(stream, cancellationToken: ct) ?? [])
                {
                    parsed[int.Parse(key, System.Globalization.CultureInfo.InvariantCulture)] = value;
                }
            }
            _categoryNames[runId] = names = parsed;
        }
        return names;
    }

    private readonly ConcurrentDictionary<Guid, (float[] Values, int Units, List<(string Name, string? Sha, Guid DatasetId)> Stimuli)> _responses = new();

    /// <summary>A unit's stimuli with the highest responses in the run's response set (name, thumbnail URL when the stimulus has an image, response).</summary>
    public async Task<IReadOnlyList<(string Name, string? ImageUrl, double Value)>> TopStimuliAsync(Guid runId, int unit, int count, CancellationToken ct = default)
    {
        if (!_responses.TryGetValue(runId, out var data))
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var run = await db.Runs.Where(r => r.Id == runId).Select(r => new { r.Kind, r.ParametersJson, r.DatasetId }).SingleAsync(ct);
            // A run whose kind fits no response set (or whose set is gone) has no top stimuli.
            var setId = kinds.ResponseSetOf(run.Kind, run.ParametersJson);
            if (setId is null || await db.ResponseSets.SingleOrDefaultAsync(s => s.Id == setId, ct) is not { } set)
            {
                return [];
            }
            var stimuli = await db.Stimuli.Where(s => s.DatasetId == run.DatasetId).OrderBy(s => s.Index).Select(s => new { s.Name, s.Label, s.ImageSha256 }).ToListAsync(ct);
            await using var stream = store.OpenRead(set.ArraySha256);
            var array = NpyReader.Read(stream, "responses.npy").ToCOrder();
            data = (array.ToFloat32(), (int)array.Shape[1], [.. stimuli.Select(s => (s.Label is { Length: > 0 } label && s.ImageSha256 is null ? label : s.Name, s.ImageSha256, run.DatasetId))]);
            _responses[runId] = data;
        }
        if (unit < 0 || unit >= data.Units)
        {
            return [];
        }
        return [.. Enumerable.Range(0, data.Stimuli.Count).OrderByDescending(s => data.Values[(long)s * data.Units + unit]).Take(count)
            .Select(s => (data.Stimuli[s].Name, data.Stimuli[s].Sha is { } sha ? $"api/v1/datasets/{data.Stimuli[s].DatasetId}/blobs/{sha}" : null, (double)data.Values[(long)s * data.Units + unit]))];
    }

    /// <summary>The unit of the run's response set whose voxel is <paramref name="ijk"/> (on the run maps' grid), if any.</summary>
    public async Task<RunUnit?> RunUnitAsync(Guid runId, IReadOnlyList<int> ijk, CancellationToken ct = default)
    {
        if (!_units.TryGetValue(runId, out var units))
        {
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                var run = await db.Runs.Where(r => r.Id == runId).Select(r => new { r.Kind, r.ParametersJson }).SingleAsync(ct);
                units = kinds.ResponseSetOf(run.Kind, run.ParametersJson) is { } setId ? await geometry.ForResponseSetAsync(setId, ct) : null;
            }
            _units[runId] = units;
        }
        var voxel = new VoxelIndex(ijk[0], ijk[1], ijk[2]);
        return units is not null && units.Contains(voxel) && units.UnitAt(voxel) is { } unit ? new RunUnit(runId, unit, [.. ijk]) : null;
    }
}
