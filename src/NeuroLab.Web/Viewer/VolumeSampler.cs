using Microsoft.Extensions.Caching.Memory;
using NeuroLab.Data.Storage;
using NeuroLab.Formats.Nifti;

namespace NeuroLab.Web.Viewer;

/// <summary>The voxel of a volume under a world position and its value (first frame of a 4-D volume).</summary>
/// <param name="Ijk">Voxel indices (rounded to the nearest voxel centre).</param>
/// <param name="Inside">Whether the voxel lies inside the volume's grid.</param>
/// <param name="Value">The scaled value there, NaN outside the grid.</param>
public sealed record VoxelSample(int[] Ijk, bool Inside, double Value);

/// <summary>Finite-value range of a volume and the 99th percentile of its non-zero magnitudes (NaN range when nothing is finite).</summary>
public sealed record VolumeStats(double Min, double Max, double P99Abs);

/// <summary>
/// Reads values of stored NIfTI volumes at world positions (mm), as the viewer's crosshair readout and atlas lookup
/// need: the file's own voxel-to-world affine (nibabel's best affine) is inverted and the position rounded to the
/// nearest voxel. Volumes stay in a memory cache bounded by size (their float32 first frames), keyed by content
/// address, so moving the crosshair does not re-read files.
/// </summary>
public sealed class VolumeSampler(ContentStore store, long cacheBytes = VolumeSampler.DefaultCacheBytes, NeuroLab.Formats.Inspection.InspectionLimits? limits = null) : IDisposable
{
    /// <summary>Float32 voxels kept in memory by default: 1 GiB (about 30 volumes of 1 mm MNI size).</summary>
    public const long DefaultCacheBytes = 1L << 30;

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = cacheBytes });

    public void Dispose() => cache.Dispose();

    /// <summary>A loaded volume: grid, inverse affine and the first frame's scaled values (Fortran order).</summary>
    internal sealed record LoadedVolume(int[] Shape, double[,] Affine, double[,] Inverse, float[] Values);

    /// <summary>Samples the volume stored under <paramref name="sha256"/> at world position <paramref name="mm"/>.</summary>
    public VoxelSample Sample(string sha256, string fileName, IReadOnlyList<double> mm)
    {
        ArgumentNullException.ThrowIfNull(mm);
        if (mm.Count != 3)
        {
            throw new ArgumentException($"Expected a world position [x, y, z], got {mm.Count} numbers.", nameof(mm));
        }
        var volume = Load(sha256, fileName);
        return Sample(volume, mm);
    }

    internal static VoxelSample Sample(LoadedVolume volume, IReadOnlyList<double> mm)
    {
        var ijk = new int[3];
        bool inside = true;
        for (int r = 0; r < 3; r++)
        {
            double v = volume.Inverse[r, 0] * mm[0] + volume.Inverse[r, 1] * mm[1] + volume.Inverse[r, 2] * mm[2] + volume.Inverse[r, 3];
            ijk[r] = (int)Math.Round(v, MidpointRounding.AwayFromZero);
            inside &= ijk[r] >= 0 && ijk[r] < volume.Shape[r];
        }
        double value = inside ? volume.Values[ijk[0] + (long)volume.Shape[0] * (ijk[1] + (long)volume.Shape[1] * ijk[2])] : double.NaN;
        return new VoxelSample(ijk, inside, value);
    }

    /// <summary>Finite-value statistics of a volume for default display ranges: minimum, maximum, and the 99th percentile of |value| over non-zero voxels.</summary>
    public VolumeStats Stats(string sha256, string fileName) =>
        // Sorting a 1 mm map's magnitudes takes a while; every page that shows the volume asks again.
        cache.GetOrCreate(sha256 + "|stats", entry =>
        {
            entry.Size = 64;
            return ComputeStats(Load(sha256, fileName).Values);
        })!;

    private static VolumeStats ComputeStats(float[] values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        var magnitudes = new List<float>();
        foreach (var v in values)
        {
            if (float.IsFinite(v))
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                if (v != 0)
                {
                    magnitudes.Add(Math.Abs(v));
                }
            }
        }
        magnitudes.Sort();
        double p99 = magnitudes.Count == 0 ? 0 : magnitudes[(int)Math.Min(magnitudes.Count - 1, Math.Floor(0.99 * magnitudes.Count))];
        return double.IsInfinity(min) ? new VolumeStats(double.NaN, double.NaN, 0) : new VolumeStats(min, max, p99);
    }

    /// <summary>
    /// The volume projected onto a surface: per vertex, the average along the segment from the white to the pial
    /// vertex (<see cref="NeuroLab.Analysis.Surfaces.VolumeToSurface"/>). Cached with the volumes.
    /// </summary>
    public float[] OnSurface(string volumeSha256, string volumeFileName, SurfaceFile white, SurfaceFile pial) =>
        cache.GetOrCreate($"{volumeSha256}|{white.Sha256}|{pial.Sha256}", entry =>
        {
            var volume = Load(volumeSha256, volumeFileName);
            var inner = ReadPointset(white);
            var outer = ReadPointset(pial);
            var values = NeuroLab.Analysis.Surfaces.VolumeToSurface.Sample(new NeuroLab.Analysis.Surfaces.GridVolume(volume.Shape, volume.Affine, volume.Values), inner, outer);
            entry.Size = values.LongLength * sizeof(float) + 256;
            return values;
        })!;

    private float[] ReadPointset(SurfaceFile file)
    {
        using var stream = store.OpenRead(file.Sha256);
        var gifti = NeuroLab.Formats.Gifti.GiftiReader.Read(stream, file.FileName);
        return gifti.Pointset?.ToFloat32() ?? throw new InvalidDataException($"{file.FileName} has no vertex coordinates (NIFTI_INTENT_POINTSET).");
    }

    /// <summary>The world position (mm) of a voxel centre of the volume.</summary>
    public double[] VoxelToMm(string sha256, string fileName, IReadOnlyList<int> ijk)
    {
        var a = Load(sha256, fileName).Affine;
        return [.. Enumerable.Range(0, 3).Select(r => a[r, 0] * ijk[0] + a[r, 1] * ijk[1] + a[r, 2] * ijk[2] + a[r, 3])];
    }

    internal LoadedVolume Load(string sha256, string fileName) =>
        cache.GetOrCreate(sha256, entry =>
        {
            // Only the first volume is read (a 4-D file is shown by its first volume), within the upload limits:
            // a stored file passed inspection, but its whole data may still be far larger than what the viewer needs.
            var bounds = limits ?? NeuroLab.Formats.Inspection.InspectionLimits.Default;
            var image = NiftiReader.ReadFirstVolume(store.LocalPath(sha256), fileName,
                new NeuroLab.Formats.ReadLimits { MaxArrayBytes = bounds.MaxDecodedBytes, Setting = "NeuroLab:Uploads:MaxDecodedBytes" },
                new NeuroLab.Formats.ReadLimits { MaxArrayBytes = bounds.MemoryBudgetBytes, Setting = "NeuroLab:Uploads:InspectionMemoryBytes" });
            var shape = image.Header.Shape;
            if (shape.Count < 3 && image.Header.Shape.Count > 0)
            {
                shape = [.. shape, .. Enumerable.Repeat(1L, 3 - shape.Count)];
            }
            int[] grid = [(int)shape[0], (int)shape[1], (int)shape[2]];
            long perVolume = (long)grid[0] * grid[1] * grid[2];
            var all = image.ScaledFloat32();
            var first = all.Length == perVolume ? all : all[..(int)perVolume];
            var affine = image.Affine;
            entry.Size = first.LongLength * sizeof(float) + 256;
            return new LoadedVolume(grid, affine, NeuroLab.Analysis.Surfaces.Affines.Invert(affine), first);
        })!;
}
