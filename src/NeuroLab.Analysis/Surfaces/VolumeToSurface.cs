namespace NeuroLab.Analysis.Surfaces;

/// <summary>A volume on a voxel grid with its voxel-to-world affine, values in Fortran order (x fastest).</summary>
public sealed record GridVolume(int[] Shape, double[,] Affine, float[] Values)
{
    /// <summary>The world-to-voxel affine.</summary>
    public double[,] Inverse { get; } = Affines.Invert(Affine);
}

/// <summary>4x4 voxel-to-world affines.</summary>
public static class Affines
{
    /// <summary>Inverse of an affine (3x3 block plus translation); throws when the 3x3 block is singular.</summary>
    public static double[,] Invert(double[,] a)
    {
        ArgumentNullException.ThrowIfNull(a);
        double a00 = a[0, 0], a01 = a[0, 1], a02 = a[0, 2], a10 = a[1, 0], a11 = a[1, 1], a12 = a[1, 2], a20 = a[2, 0], a21 = a[2, 1], a22 = a[2, 2];
        double det = a00 * (a11 * a22 - a12 * a21) - a01 * (a10 * a22 - a12 * a20) + a02 * (a10 * a21 - a11 * a20);
        if (Math.Abs(det) < 1e-12)
        {
            throw new ArgumentException("The voxel-to-world affine is singular; the volume has no world positions.", nameof(a));
        }
        var m = new double[4, 4];
        m[0, 0] = (a11 * a22 - a12 * a21) / det;
        m[0, 1] = (a02 * a21 - a01 * a22) / det;
        m[0, 2] = (a01 * a12 - a02 * a11) / det;
        m[1, 0] = (a12 * a20 - a10 * a22) / det;
        m[1, 1] = (a00 * a22 - a02 * a20) / det;
        m[1, 2] = (a02 * a10 - a00 * a12) / det;
        m[2, 0] = (a10 * a21 - a11 * a20) / det;
        m[2, 1] = (a01 * a20 - a00 * a21) / det;
        m[2, 2] = (a00 * a11 - a01 * a10) / det;
        for (int r = 0; r < 3; r++)
        {
            m[r, 3] = -(m[r, 0] * a[0, 3] + m[r, 1] * a[1, 3] + m[r, 2] * a[2, 3]);
        }
        m[3, 3] = 1;
        return m;
    }

    /// <summary>Applies an affine to a point.</summary>
    public static (double X, double Y, double Z) Apply(double[,] a, double x, double y, double z) =>
        (a[0, 0] * x + a[0, 1] * y + a[0, 2] * z + a[0, 3],
         a[1, 0] * x + a[1, 1] * y + a[1, 2] * z + a[1, 3],
         a[2, 0] * x + a[2, 1] * y + a[2, 2] * z + a[2, 3]);
}

/// <summary>
/// Volume-to-surface sampling as nilearn's <c>vol_to_surf(kind="line")</c> does it: for each vertex, points evenly
/// spaced on the segment from the white (inner) to the pial (outer) surface, each value interpolated trilinearly
/// in the volume (nearest voxel where a neighbour is missing), averaged over the points that fall inside the
/// volume with a finite value. Vertices with no such point get NaN.
/// </summary>
public static class VolumeToSurface
{
    /// <summary>Samples per vertex along the segment by default (nilearn's default is 10).</summary>
    public const int DefaultSamples = 10;

    /// <param name="volume">The volume (world = its affine).</param>
    /// <param name="white">Inner surface vertices [n, 3] in world mm, row-major.</param>
    /// <param name="pial">Outer surface vertices [n, 3], same vertex order.</param>
    /// <param name="samples">Points per segment, ends included (1 samples the midpoint).</param>
    public static float[] Sample(GridVolume volume, ReadOnlySpan<float> white, ReadOnlySpan<float> pial, int samples = DefaultSamples)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        if (white.Length != pial.Length || white.Length % 3 != 0)
        {
            throw new ArgumentException($"White and pial surfaces must have the same vertices: {white.Length / 3} and {pial.Length / 3}.", nameof(pial));
        }
        if (volume.Values.LongLength != (long)volume.Shape[0] * volume.Shape[1] * volume.Shape[2])
        {
            throw new ArgumentException($"The volume has {volume.Values.LongLength} values for a {string.Join("x", volume.Shape)} grid.", nameof(volume));
        }
        int n = white.Length / 3;
        var result = new float[n];
        var inv = volume.Inverse;
        for (int v = 0; v < n; v++)
        {
            double sum = 0;
            int count = 0;
            for (int s = 0; s < samples; s++)
            {
                double t = samples == 1 ? 0.5 : (double)s / (samples - 1);
                double x = white[3 * v] + t * (pial[3 * v] - white[3 * v]);
                double y = white[3 * v + 1] + t * (pial[3 * v + 1] - white[3 * v + 1]);
                double z = white[3 * v + 2] + t * (pial[3 * v + 2] - white[3 * v + 2]);
                var (i, j, k) = Affines.Apply(inv, x, y, z);
                double value = Interpolate(volume, i, j, k);
                if (double.IsFinite(value))
                {
                    sum += value;
                    count++;
                }
            }
            result[v] = count > 0 ? (float)(sum / count) : float.NaN;
        }
        return result;
    }

    /// <summary>Trilinear interpolation at voxel coordinates; nearest voxel when a corner is outside or not finite; NaN outside.</summary>
    public static double Interpolate(GridVolume volume, double i, double j, double k)
    {
        int nx = volume.Shape[0], ny = volume.Shape[1], nz = volume.Shape[2];
        int i0 = (int)Math.Floor(i), j0 = (int)Math.Floor(j), k0 = (int)Math.Floor(k);
        double fi = i - i0, fj = j - j0, fk = k - k0;
        if (i0 >= 0 && j0 >= 0 && k0 >= 0 && i0 + 1 < nx && j0 + 1 < ny && k0 + 1 < nz)
        {
            double sum = 0;
            bool finite = true;
            for (int c = 0; c < 8 && finite; c++)
            {
                int di = c & 1, dj = (c >> 1) & 1, dk = (c >> 2) & 1;
                double w = (di == 1 ? fi : 1 - fi) * (dj == 1 ? fj : 1 - fj) * (dk == 1 ? fk : 1 - fk);
                float value = volume.Values[(i0 + di) + (long)nx * ((j0 + dj) + (long)ny * (k0 + dk))];
                finite = float.IsFinite(value);
                sum += w * value;
            }
            if (finite)
            {
                return sum;
            }
        }
        int ri = (int)Math.Round(i, MidpointRounding.AwayFromZero), rj = (int)Math.Round(j, MidpointRounding.AwayFromZero), rk = (int)Math.Round(k, MidpointRounding.AwayFromZero);
        if (ri < 0 || rj < 0 || rk < 0 || ri >= nx || rj >= ny || rk >= nz)
        {
            return double.NaN;
        }
        return volume.Values[ri + (long)nx * (rj + (long)ny * rk)];
    }
}
