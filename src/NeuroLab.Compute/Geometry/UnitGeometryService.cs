using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Geometry;

/// <summary>
/// Loads the <see cref="UnitGeometry"/> of a response set: its unit coordinates (.npy [units, 3]) on the grid of its
/// reference NIfTI file (mask or run), both from the content store. Geometries are cached by the two blobs' hashes,
/// which never change. Callers check access to the run or dataset first; this service does not.
/// </summary>
public sealed class UnitGeometryService(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store)
{
    private readonly ConcurrentDictionary<(string Coordinates, string Reference), UnitGeometry> _cache = new();

    /// <summary>The geometry of the response set <paramref name="responseSetId"/>, or null as <see cref="ForResponseSetAsync(ResponseSet, DatasetFile?, CancellationToken)"/>.</summary>
    public async Task<UnitGeometry?> ForResponseSetAsync(Guid responseSetId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var set = await db.ResponseSets.AsNoTracking().SingleOrDefaultAsync(s => s.Id == responseSetId, ct);
        if (set?.ReferenceFileId is not { } fileId)
        {
            return null;
        }
        var reference = await db.DatasetFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == fileId, ct);
        return await ForResponseSetAsync(set, reference, ct);
    }

    /// <summary>
    /// The geometry of <paramref name="set"/> on its <paramref name="reference"/> file; null when its units are not
    /// voxels, it has no coordinates, or the reference is not a NIfTI volume (neurons, surface vertices, ...).
    /// </summary>
    /// <exception cref="ArgumentException">The stored coordinates do not fit the reference grid.</exception>
    public async Task<UnitGeometry?> ForResponseSetAsync(ResponseSet set, DatasetFile? reference, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.UnitKind != UnitKind.Voxel || set.UnitCoordinatesSha256 is not { } coordinatesSha || reference is not { Format: "nifti" })
        {
            return null;
        }
        var key = (coordinatesSha, reference.Sha256);
        if (_cache.TryGetValue(key, out var cached))
        {
            return cached;
        }
        // Only the reference's grid and affine are needed, not its voxels.
        var header = NiftiReader.ReadHeader(store.LocalPath(reference.Sha256));
        NumericArray coordinates;
        await using (var stream = store.OpenRead(coordinatesSha))
        {
            coordinates = NpyReader.Read(stream, "coordinates.npy");
        }
        return _cache[key] = UnitGeometry.FromReference(header, coordinates);
    }
}
