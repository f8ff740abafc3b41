namespace NeuroLab.Formats.Nifti;

/// <summary>Spatial and temporal units from the NIfTI <c>xyzt_units</c> field.</summary>
public enum NiftiSpaceUnit
{
    Unknown = 0,
    Meter = 1,
    Millimeter = 2,
    Micron = 3,
}

/// <summary>Temporal unit from the NIfTI <c>xyzt_units</c> field.</summary>
public enum NiftiTimeUnit
{
    Unknown = 0,
    Second = 8,
    Millisecond = 16,
    Microsecond = 24,
    Hertz = 32,
    Ppm = 40,
    RadiansPerSecond = 48,
}

/// <summary>
/// The fields of a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header that NeuroLab uses, with
/// NIfTI-1 values widened to the NIfTI-2 types. Reference: the NIfTI-1 and NIfTI-2 format
/// specifications (nifti.nimh.nih.gov, nifti1.h / nifti2.h).
/// </summary>
public sealed record NiftiHeader
{
    /// <summary>1 or 2.</summary>
    public int Version { get; init; }

    /// <summary>True when the file is big-endian.</summary>
    public bool BigEndian { get; init; }

    /// <summary>True for the single-file form (magic "n+1"/"n+2"); false for a .hdr/.img pair ("ni1"/"ni2").</summary>
    public bool SingleFile { get; init; }

    /// <summary>Dimensions dim[1..dim[0]].</summary>
    public required IReadOnlyList<long> Shape { get; init; }

    /// <summary>NIfTI datatype code (e.g. 4 = int16, 16 = float32).</summary>
    public short DataTypeCode { get; init; }

    public short BitsPerVoxel { get; init; }

    /// <summary>pixdim[0..7]; pixdim[0] is qfac (±1) and pixdim[1..3] the voxel size.</summary>
    public required IReadOnlyList<double> PixDim { get; init; }

    /// <summary>Byte offset of the voxel data in a single file.</summary>
    public long VoxOffset { get; init; }

    /// <summary>Raw <c>scl_slope</c>; 0 or NaN means "no scaling".</summary>
    public double SclSlope { get; init; }

    public double SclInter { get; init; }

    public NiftiSpaceUnit SpaceUnit { get; init; }

    public NiftiTimeUnit TimeUnit { get; init; }

    public short IntentCode { get; init; }

    public string IntentName { get; init; } = string.Empty;

    public string Description { get; init; } = string.Empty;

    public int QFormCode { get; init; }

    public int SFormCode { get; init; }

    /// <summary>quatern_b, quatern_c, quatern_d.</summary>
    public required IReadOnlyList<double> Quaternion { get; init; }

    /// <summary>qoffset_x, qoffset_y, qoffset_z.</summary>
    public required IReadOnlyList<double> QOffset { get; init; }

    /// <summary>srow_x, srow_y, srow_z (3 rows of 4).</summary>
    public required double[,] SRows { get; init; }

    public double SliceDuration { get; init; }

    public double TOffset { get; init; }

    public double CalMin { get; init; }

    public double CalMax { get; init; }

    /// <summary>True when scl_slope/scl_inter change the stored values (slope not 0/NaN, and not exactly 1 with intercept 0).</summary>
    public bool HasScaling => SclSlope != 0 && !double.IsNaN(SclSlope) && !(SclSlope == 1 && (SclInter == 0 || double.IsNaN(SclInter)));

    /// <summary>Voxel size in the first three dimensions (1 for missing dimensions).</summary>
    public IReadOnlyList<double> VoxelSize => [.. Enumerable.Range(1, 3).Select(i => i <= Shape.Count ? Math.Abs(PixDim[i]) : 1.0)];

    /// <summary>Repetition time in seconds from pixdim[4] and the time unit; null for 3-D images or unknown units.</summary>
    public double? RepetitionTimeSeconds => Shape.Count < 4 || PixDim[4] <= 0 ? null : TimeUnit switch
    {
        NiftiTimeUnit.Second => PixDim[4],
        NiftiTimeUnit.Millisecond => PixDim[4] / 1000.0,
        NiftiTimeUnit.Microsecond => PixDim[4] / 1e6,
        // Many tools leave the unit unset; seconds is the NIfTI default reading of pixdim[4].
        NiftiTimeUnit.Unknown => PixDim[4],
        _ => null,
    };

    /// <summary>The qform affine (method 2 of the spec) from quaternion, offsets and pixdim with qfac.</summary>
    public double[,] QFormAffine()
    {
        double b = Quaternion[0], c = Quaternion[1], d = Quaternion[2];
        double a2 = 1.0 - (b * b + c * c + d * d);
        // Rounding can give a tiny negative a²: treat as zero like nibabel (quaternions.fillpositive).
        double a = a2 < 0 ? 0 : Math.Sqrt(a2);
        double[,] r =
        {
            { a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c) },
            { 2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b) },
            { 2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b },
        };
        double qfac = PixDim[0] < 0 ? -1 : 1;
        var zooms = VoxelSize;
        double[] scale = [zooms[0], zooms[1], zooms[2] * qfac];
        var affine = new double[4, 4];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                affine[i, j] = r[i, j] * scale[j];
            }
            affine[i, 3] = QOffset[i];
        }
        affine[3, 3] = 1;
        return affine;
    }

    /// <summary>The sform affine from srow_x/y/z.</summary>
    public double[,] SFormAffine()
    {
        var affine = new double[4, 4];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                affine[i, j] = SRows[i, j];
            }
        }
        affine[3, 3] = 1;
        return affine;
    }

    /// <summary>
    /// Voxel-to-world affine as nibabel's <c>get_best_affine</c> chooses it: sform when sform_code &gt; 0,
    /// else qform when qform_code &gt; 0, else a diagonal affine from the voxel size with the x axis flipped
    /// and the volume centred on the origin (the Analyze convention).
    /// </summary>
    public double[,] BestAffine()
    {
        if (SFormCode > 0)
        {
            return SFormAffine();
        }
        if (QFormCode > 0)
        {
            return QFormAffine();
        }
        var zooms = VoxelSize;
        var affine = new double[4, 4];
        for (int i = 0; i < 3; i++)
        {
            double n = i < Shape.Count ? Shape[i] : 1;
            affine[i, i] = zooms[i];
            affine[i, 3] = -(n - 1) / 2.0 * zooms[i];
        }
        affine[0, 0] *= -1;
        affine[0, 3] *= -1;
        affine[3, 3] = 1;
        return affine;
    }

    /// <summary>Which code of <see cref="BestAffine"/> applies: "sform", "qform" or "base".</summary>
    public string BestAffineSource => SFormCode > 0 ? "sform" : QFormCode > 0 ? "qform" : "base";

    /// <summary>
    /// Axis codes of the best affine, e.g. "RAS" or "LAS": for each voxel axis, the world direction
    /// (Right/Left, Anterior/Posterior, Superior/Inferior) it points to most.
    /// </summary>
    public string OrientationCodes() => AxisCodes(BestAffine());

    /// <summary>Axis codes of any affine (see <see cref="OrientationCodes"/>).</summary>
    public static string AxisCodes(double[,] affine)
    {
        ArgumentNullException.ThrowIfNull(affine);
        var used = new bool[3];
        var codes = new char[3];
        char[] positive = ['R', 'A', 'S'];
        char[] negative = ['L', 'P', 'I'];
        // Assign the strongest column-to-axis pairs first so each world axis is used once.
        var pairs = new List<(double Weight, int Column, int Row)>();
        for (int j = 0; j < 3; j++)
        {
            double norm = Math.Sqrt(Enumerable.Range(0, 3).Sum(i => affine[i, j] * affine[i, j]));
            for (int i = 0; i < 3; i++)
            {
                pairs.Add((norm == 0 ? 0 : Math.Abs(affine[i, j]) / norm, j, i));
            }
        }
        var columnDone = new bool[3];
        foreach (var (_, column, row) in pairs.OrderByDescending(p => p.Weight))
        {
            if (columnDone[column] || used[row])
            {
                continue;
            }
            columnDone[column] = used[row] = true;
            codes[column] = affine[row, column] >= 0 ? positive[row] : negative[row];
        }
        return new string(codes);
    }
}
