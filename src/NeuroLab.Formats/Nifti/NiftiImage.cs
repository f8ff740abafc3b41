namespace NeuroLab.Formats.Nifti;

/// <summary>
/// A NIfTI image: header plus voxel data in the stored type, Fortran order, shape = dim[1..n] (x fastest),
/// so voxel (i, j, k, t) is <c>Data[i, j, k, t]</c>. RGB24/RGBA32 images get a leading component axis
/// ([3 or 4, x, y, z]). Scaling (scl_slope/scl_inter) is not applied to <see cref="Data"/>; use
/// <see cref="ScaledFloat64"/> or <see cref="ScaledFloat32"/>.
/// </summary>
public sealed class NiftiImage(NiftiHeader header, NumericArray data)
{
    public NiftiHeader Header { get; } = header;

    public NumericArray Data { get; } = data;

    /// <summary>Voxel-to-world affine (see <see cref="NiftiHeader.BestAffine"/>).</summary>
    public double[,] Affine => Header.BestAffine();

    /// <summary>Values with scl_slope/scl_inter applied, as float64 in storage order.</summary>
    public double[] ScaledFloat64()
    {
        var values = Data.ToFloat64();
        if (Header.HasScaling)
        {
            double slope = Header.SclSlope, inter = double.IsNaN(Header.SclInter) ? 0 : Header.SclInter;
            for (long i = 0; i < values.LongLength; i++)
            {
                values[i] = values[i] * slope + inter;
            }
        }
        return values;
    }

    /// <summary>Values with scl_slope/scl_inter applied, as float32 in storage order.</summary>
    public float[] ScaledFloat32()
    {
        if (!Header.HasScaling)
        {
            return Data.ToFloat32();
        }
        var scaled = ScaledFloat64();
        var result = new float[scaled.LongLength];
        for (long i = 0; i < scaled.LongLength; i++)
        {
            result[i] = (float)scaled[i];
        }
        return result;
    }
}
