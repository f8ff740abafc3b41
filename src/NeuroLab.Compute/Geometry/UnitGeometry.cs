using System.IO.Compression;
using NeuroLab.Formats;
using NeuroLab.Formats.Nifti;

namespace NeuroLab.Compute.Geometry;

/// <summary>A voxel of a reference grid: 0-based indices along x, y and z.</summary>
public readonly record struct VoxelIndex(int I, int J, int K)
{
    public override string ToString() => $"({I}, {J}, {K})";
}

/// <summary>
/// Where a response set's units sit on its dataset's reference grid: unit u is voxel (i, j, k) of a volume of
/// <see cref="Shape"/>, whose world position in mm is <c>Affine · [i, j, k, 1]ᵀ</c> (the reference file's best
/// affine, as nibabel's <c>img.affine</c>). The one place that turns per-unit values into volumes and back, so
/// jobs, caption maps and the viewer agree on which voxel is which unit.
/// </summary>
public sealed class UnitGeometry
{
    private readonly int[] _voxels;
    private readonly double[,] _affine;
    private readonly Dictionary<VoxelIndex, int> _unitAt;

    /// <param name="shape">The grid [nx, ny, nz] (a 4-D reference's first three dimensions).</param>
    /// <param name="affine">Voxel-to-world affine, 4x4, mm.</param>
    /// <param name="sformCode">The reference's sform_code (0 when it has none).</param>
    /// <param name="qformCode">The reference's qform_code (0 when it has none).</param>
    /// <param name="voxels">Each unit's voxel, flattened [units, 3] in C order: i, j, k of unit 0, then unit 1, ...</param>
    /// <exception cref="ArgumentException">A voxel lies outside the grid, two units share a voxel, or the shapes are wrong.</exception>
    public UnitGeometry(IReadOnlyList<long> shape, double[,] affine, int sformCode, int qformCode, IReadOnlyList<int> voxels)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(affine);
        ArgumentNullException.ThrowIfNull(voxels);
        if (shape.Count != 3 || shape.Any(d => d is < 1 or > int.MaxValue))
        {
            throw new ArgumentException($"A reference grid has three positive dimensions; this one is [{string.Join(", ", shape)}].", nameof(shape));
        }
        if (affine.GetLength(0) != 4 || affine.GetLength(1) != 4)
        {
            throw new ArgumentException($"The voxel-to-world affine is 4x4; this one is {affine.GetLength(0)}x{affine.GetLength(1)}.", nameof(affine));
        }
        if (voxels.Count % 3 != 0)
        {
            throw new ArgumentException($"Unit voxels come as [units, 3]; {voxels.Count} indices are not a whole number of (i, j, k).", nameof(voxels));
        }
        Shape = [.. shape];
        _affine = (double[,])affine.Clone();
        SFormCode = sformCode;
        QFormCode = qformCode;
        _voxels = [.. voxels];
        _unitAt = new Dictionary<VoxelIndex, int>(UnitCount);
        for (int u = 0; u < UnitCount; u++)
        {
            var v = VoxelOf(u);
            if (!Contains(v))
            {
                throw new ArgumentException($"Unit {u} is at voxel {v}, outside the reference grid {GridText} (indices run from 0 to size - 1).", nameof(voxels));
            }
            if (!_unitAt.TryAdd(v, u))
            {
                throw new ArgumentException($"Units {_unitAt[v]} and {u} are both at voxel {v}; a unit is one voxel and a voxel holds one unit.", nameof(voxels));
            }
        }
    }

    /// <summary>
    /// The geometry of units whose voxels are <paramref name="coordinates"/> (an integer .npy [units, 3], as a response
    /// set stores them) on the grid of the NIfTI <paramref name="reference"/> header.
    /// </summary>
    /// <exception cref="ArgumentException">The coordinates are not [units, 3] whole voxel indices inside the grid.</exception>
    public static UnitGeometry FromReference(NiftiHeader reference, NumericArray coordinates)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(coordinates);
        if (coordinates.Rank != 2 || coordinates.Shape[1] != 3)
        {
            throw new ArgumentException($"Unit coordinates are [units, 3] voxel indices; this array is {coordinates.ShapeText}.", nameof(coordinates));
        }
        var c = coordinates.ToCOrder();
        var voxels = new int[c.Length];
        for (long n = 0; n < c.Length; n++)
        {
            double v = c.GetDouble(n);
            if (!double.IsFinite(v) || v != Math.Floor(v) || v is < int.MinValue or > int.MaxValue)
            {
                throw new ArgumentException($"Unit {n / 3} has coordinate {v} along axis {"ijk"[(int)(n % 3)]}: units are voxels, so coordinates are whole voxel indices.", nameof(coordinates));
            }
            voxels[n] = (int)v;
        }
        long[] grid = [.. Enumerable.Range(0, 3).Select(d => d < reference.Shape.Count ? reference.Shape[d] : 1L)];
        return new UnitGeometry(grid, reference.BestAffine(), reference.SFormCode, reference.QFormCode, voxels);
    }

    /// <summary>The grid [nx, ny, nz].</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The voxel-to-world affine (a copy, 4x4, mm).</summary>
    public double[,] Affine => (double[,])_affine.Clone();

    /// <summary>The reference's sform_code (0 when it has none).</summary>
    public int SFormCode { get; }

    /// <summary>The reference's qform_code (0 when it has none).</summary>
    public int QFormCode { get; }

    /// <summary>The code written as sform_code and qform_code of the volumes: the reference's, at least 1 (scanner) since the affine is always stored.</summary>
    public short XFormCode => (short)Math.Max(1, Math.Max(SFormCode, QFormCode));

    /// <summary>How many units.</summary>
    public int UnitCount => _voxels.Length / 3;

    /// <summary>The number of voxels in the grid.</summary>
    public long VoxelCount => Shape[0] * Shape[1] * Shape[2];

    private string GridText => string.Join(" x ", Shape);

    /// <summary>Whether <paramref name="voxel"/> lies inside the grid.</summary>
    public bool Contains(VoxelIndex voxel) =>
        voxel.I >= 0 && voxel.I < Shape[0] && voxel.J >= 0 && voxel.J < Shape[1] && voxel.K >= 0 && voxel.K < Shape[2];

    /// <summary>The voxel of <paramref name="unit"/>.</summary>
    public VoxelIndex VoxelOf(int unit)
    {
        if (unit < 0 || unit >= UnitCount)
        {
            throw new ArgumentOutOfRangeException(nameof(unit), unit, $"Units run from 0 to {UnitCount - 1}.");
        }
        return new VoxelIndex(_voxels[unit * 3], _voxels[unit * 3 + 1], _voxels[unit * 3 + 2]);
    }

    /// <summary>The unit at <paramref name="voxel"/>, or null when no unit is there.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The voxel lies outside the grid.</exception>
    public int? UnitAt(VoxelIndex voxel)
    {
        if (!Contains(voxel))
        {
            throw new ArgumentOutOfRangeException(nameof(voxel), voxel, $"Voxel {voxel} is outside the reference grid {GridText}.");
        }
        return _unitAt.TryGetValue(voxel, out int unit) ? unit : null;
    }

    /// <summary>World position (mm) of a voxel centre: <c>Affine · [i, j, k, 1]ᵀ</c>, rows 0-2.</summary>
    public double[] WorldOf(VoxelIndex voxel) =>
        [.. Enumerable.Range(0, 3).Select(r => _affine[r, 0] * voxel.I + _affine[r, 1] * voxel.J + _affine[r, 2] * voxel.K + _affine[r, 3])];

    /// <summary>World position (mm) of <paramref name="unit"/>'s voxel centre.</summary>
    public double[] WorldOf(int unit) => WorldOf(VoxelOf(unit));

    /// <summary>Flat index of a voxel in a Fortran-order (x fastest) volume of the grid, as NIfTI stores it.</summary>
    private long FlatIndex(VoxelIndex v) => v.I + Shape[0] * (v.J + Shape[1] * (long)v.K);

    /// <summary>
    /// A float32 volume [nx, ny, nz] in Fortran order holding <paramref name="values"/>[u] at unit u's voxel and NaN
    /// everywhere else (a NaN value stays NaN, so callers can leave units out).
    /// </summary>
    /// <param name="values">One value per unit, [units].</param>
    public NumericArray ToVolume(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != UnitCount)
        {
            throw new ArgumentException($"{values.Count} values for {UnitCount} units: a volume needs one value per unit.", nameof(values));
        }
        var volume = new float[VoxelCount];
        Array.Fill(volume, float.NaN);
        for (int u = 0; u < UnitCount; u++)
        {
            volume[FlatIndex(VoxelOf(u))] = (float)values[u];
        }
        return new NumericArray(NumericType.Float32, Shape, volume, ArrayOrder.Fortran);
    }

    /// <summary>Each unit's value in <paramref name="volume"/> (shape [nx, ny, nz] or [nx, ny, nz, 1], either order): the inverse of <see cref="ToVolume"/>.</summary>
    public double[] FromVolume(NumericArray volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (volume.Rank < 3 || !volume.Shape.Take(3).SequenceEqual(Shape) || volume.Shape.Skip(3).Any(d => d != 1))
        {
            throw new ArgumentException($"The volume is {volume.ShapeText}; the reference grid is [{string.Join(", ", Shape)}].", nameof(volume));
        }
        var values = new double[UnitCount];
        for (int u = 0; u < UnitCount; u++)
        {
            var v = VoxelOf(u);
            values[u] = volume.Rank == 3 ? volume[v.I, v.J, v.K] : volume[[v.I, v.J, v.K, .. Enumerable.Repeat(0L, volume.Rank - 3)]];
        }
        return values;
    }

    /// <summary>
    /// Writes <paramref name="values"/> (one per unit) as a gzip-compressed NIfTI-1 volume (.nii.gz) on the reference
    /// grid: float32, NaN outside the units, the reference's affine as sform and qform with <see cref="XFormCode"/>.
    /// </summary>
    /// <param name="destination">Receives the .nii.gz bytes; left open.</param>
    /// <param name="values">One value per unit, [units].</param>
    /// <param name="description">The header's descrip field (at most 79 ASCII characters).</param>
    public void WriteVolume(Stream destination, IReadOnlyList<double> values, string description)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var volume = ToVolume(values);
        using var gzip = new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true);
        NiftiWriter.Write(gzip, volume, _affine, new NiftiWriteOptions { XFormCode = XFormCode, Description = description });
    }
}
