using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Nifti;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Annotations;

/// <summary>A commented place in a brain space: a pinned point or sphere, or a commented voxel of a run.</summary>
public sealed record AnnotationMarker(Guid ThreadId, string TargetKind, JsonObject Target, double X, double Y, double Z, double RadiusMm, int Comments, bool Resolved, string Author, string Excerpt)
{
    /// <summary>Distance from <paramref name="mm"/> to the marker's centre.</summary>
    public double DistanceTo(IReadOnlyList<double> mm) => Math.Sqrt(Math.Pow(mm[0] - X, 2) + Math.Pow(mm[1] - Y, 2) + Math.Pow(mm[2] - Z, 2));
}

/// <summary>An atlas region under the viewer's crosshair: its atlas file, label value and name (a comment target).</summary>
public sealed record AtlasRegionRef(Guid AtlasFileId, int Value, string Name);

/// <summary>The markers drawn over one background, as a NIfTI volume on its grid (open threads 2, resolved 1, elsewhere 0).</summary>
public sealed record AnnotationMarkerMap(string Sha256, IReadOnlyList<AnnotationMarker> Markers);

/// <summary>
/// Where the workspace's comments sit on a brain background: points pinned in MNI152 show on every MNI map, commented
/// voxels of runs show on maps of the same space (for a subject's own space, the same dataset). The map is a small
/// volume painted on the background's grid (a sphere of the marker's radius, at least 4 mm so a point is visible),
/// stored content-addressed and cached by its inputs.
/// </summary>
public sealed class AnnotationMarkers(AnnotationService annotations, ContentStore store)
{
    /// <summary>Smallest drawn radius (mm): a point pinned with radius 0 still shows as a small ball.</summary>
    public const double MinDrawnRadiusMm = 4;

    private static readonly ConcurrentDictionary<string, string> Painted = new();

    public async Task<IReadOnlyList<AnnotationMarker>> MarkersAsync(string userId, Guid workspaceId, ViewerItem background, CancellationToken ct = default)
    {
        var space = background.Space switch { DatasetSpace.Mni152 => "mni152", DatasetSpace.Subject => "subject", _ => null };
        if (space is null)
        {
            return [];
        }
        // A subject's own space is only shared by that dataset's files and runs.
        var threads = await annotations.ListAsync(userId, workspaceId,
            new AnnotationQuery(Space: space, DatasetId: space == "subject" ? background.DatasetId : null, Take: 1000), ct);
        var markers = new List<AnnotationMarker>();
        foreach (var t in threads)
        {
            var target = t.Target;
            double[]? centre = t.TargetKind switch
            {
                "point" => [Number(target, "x"), Number(target, "y"), Number(target, "z")],
                "unit" when target["mm"] is JsonArray mm && mm.Count == 3 => [.. mm.Select(v => v!.GetValue<double>())],
                _ => null,
            };
            if (centre is null)
            {
                continue;
            }
            var radius = t.TargetKind == "point" ? Number(target, "radiusMm") : 0;
            markers.Add(new AnnotationMarker(t.Id, t.TargetKind, target, centre[0], centre[1], centre[2], radius, 1 + t.Replies.Count, t.Resolved, t.Author,
                t.Body.Length <= 80 ? t.Body : t.Body[..79] + "…"));
        }
        return markers;
    }

    /// <summary>The marker volume over <paramref name="background"/>, or null when nothing is commented in its space.</summary>
    public async Task<AnnotationMarkerMap?> MapAsync(string userId, Guid workspaceId, ViewerItem background, CancellationToken ct = default)
    {
        var markers = await MarkersAsync(userId, workspaceId, background, ct);
        if (markers.Count == 0)
        {
            return null;
        }
        var signature = background.Sha256 + "|" + string.Join(";", markers.OrderBy(m => m.ThreadId).Select(m =>
            string.Create(CultureInfo.InvariantCulture, $"{m.X:0.0},{m.Y:0.0},{m.Z:0.0},{m.RadiusMm:0.0},{m.Resolved}")));
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(signature)));
        if (Painted.TryGetValue(key, out var sha) && store.Contains(sha))
        {
            return new AnnotationMarkerMap(sha, markers);
        }
        var header = NiftiReader.ReadHeader(store.LocalPath(background.Sha256));
        var stored = await store.AddAsync(s => Paint(s, header, markers), ct);
        if (Painted.Count > 10_000)
        {
            // A cache, not a record: the maps stay in the content store under their hashes.
            Painted.Clear();
        }
        Painted[key] = stored.Sha256;
        return new AnnotationMarkerMap(stored.Sha256, markers);
    }

    /// <summary>Writes a float32 .nii.gz on the header's grid with every marker's ball painted (2 open, 1 resolved).</summary>
    public static void Paint(Stream destination, NiftiHeader header, IReadOnlyList<AnnotationMarker> markers)
    {
        var (nx, ny, nz) = ((int)header.Shape[0], (int)(header.Shape.Count > 1 ? header.Shape[1] : 1), (int)(header.Shape.Count > 2 ? header.Shape[2] : 1));
        var affine = header.BestAffine();
        var inverse = Invert(affine);
        var voxel = header.VoxelSize;
        var values = new float[(long)nx * ny * nz];
        foreach (var m in markers.OrderBy(m => m.Resolved ? 0 : 1))
        {
            var radius = Math.Max(m.RadiusMm, Math.Max(MinDrawnRadiusMm, 1.5 * voxel.Max()));
            var c = Apply(inverse, m.X, m.Y, m.Z);
            var reach = voxel.Select(v => (int)Math.Ceiling(radius / Math.Max(v, 1e-3)) + 1).ToArray();
            for (int k = Math.Max(0, (int)c[2] - reach[2]); k <= Math.Min(nz - 1, (int)c[2] + reach[2]); k++)
            {
                for (int j = Math.Max(0, (int)c[1] - reach[1]); j <= Math.Min(ny - 1, (int)c[1] + reach[1]); j++)
                {
                    for (int i = Math.Max(0, (int)c[0] - reach[0]); i <= Math.Min(nx - 1, (int)c[0] + reach[0]); i++)
                    {
                        var w = Apply(affine, i, j, k);
                        if (Math.Pow(w[0] - m.X, 2) + Math.Pow(w[1] - m.Y, 2) + Math.Pow(w[2] - m.Z, 2) <= radius * radius)
                        {
                            values[i + (long)nx * (j + (long)ny * k)] = m.Resolved ? 1 : 2;
                        }
                    }
                }
            }
        }
        var volume = new NumericArray(NumericType.Float32, [nx, ny, nz], values, ArrayOrder.Fortran);
        using var gzip = new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true);
        NiftiWriter.Write(gzip, volume, affine, new NiftiWriteOptions { XFormCode = 1, Description = "NeuroLab comment markers" });
    }

    private static double Number(JsonObject target, string name) => target[name] is JsonValue v ? v.GetValue<double>() : 0;

    private static double[] Apply(double[,] a, double x, double y, double z) =>
        [a[0, 0] * x + a[0, 1] * y + a[0, 2] * z + a[0, 3], a[1, 0] * x + a[1, 1] * y + a[1, 2] * z + a[1, 3], a[2, 0] * x + a[2, 1] * y + a[2, 2] * z + a[2, 3]];

    /// <summary>Inverse of a 4x4 affine with last row (0, 0, 0, 1): the 3x3 part inverted by cofactors, translation mapped back.</summary>
    private static double[,] Invert(double[,] a)
    {
        double det = a[0, 0] * (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1]) - a[0, 1] * (a[1, 0] * a[2, 2] - a[1, 2] * a[2, 0]) + a[0, 2] * (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]);
        if (Math.Abs(det) < 1e-12)
        {
            throw new ArgumentException("The background's affine is singular.");
        }
        var m = new double[4, 4];
        m[0, 0] = (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1]) / det;
        m[0, 1] = (a[0, 2] * a[2, 1] - a[0, 1] * a[2, 2]) / det;
        m[0, 2] = (a[0, 1] * a[1, 2] - a[0, 2] * a[1, 1]) / det;
        m[1, 0] = (a[1, 2] * a[2, 0] - a[1, 0] * a[2, 2]) / det;
        m[1, 1] = (a[0, 0] * a[2, 2] - a[0, 2] * a[2, 0]) / det;
        m[1, 2] = (a[0, 2] * a[1, 0] - a[0, 0] * a[1, 2]) / det;
        m[2, 0] = (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]) / det;
        m[2, 1] = (a[0, 1] * a[2, 0] - a[0, 0] * a[2, 1]) / det;
        m[2, 2] = (a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]) / det;
        for (int r = 0; r < 3; r++)
        {
            m[r, 3] = -(m[r, 0] * a[0, 3] + m[r, 1] * a[1, 3] + m[r, 2] * a[2, 3]);
        }
        m[3, 3] = 1;
        return m;
    }
}
