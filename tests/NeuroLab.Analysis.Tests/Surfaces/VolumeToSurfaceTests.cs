using NeuroLab.Analysis.Surfaces;

namespace NeuroLab.Analysis.Tests.Surfaces;

public sealed class VolumeToSurfaceTests
{
    // A rotated, anisotropic, shifted voxel-to-world affine, so voxel and world axes differ.
    private static readonly double[,] Affine =
    {
        { 0, -2.0, 0, 40 },
        { 1.5, 0, 0, -30 },
        { 0, 0, 2.5, -20 },
        { 0, 0, 0, 1 },
    };

    /// <summary>f(world) = 2x + 3y - z + 5 on a 20x24x18 grid.</summary>
    private static GridVolume Linear()
    {
        int nx = 20, ny = 24, nz = 18;
        var values = new float[nx * ny * nz];
        for (int k = 0; k < nz; k++)
        {
            for (int j = 0; j < ny; j++)
            {
                for (int i = 0; i < nx; i++)
                {
                    var (x, y, z) = Affines.Apply(Affine, i, j, k);
                    values[i + nx * (j + ny * k)] = (float)(2 * x + 3 * y - z + 5);
                }
            }
        }
        return new GridVolume([nx, ny, nz], Affine, values);
    }

    [Fact]
    public void LinearField_AveragesToItsValueAtTheSegmentMidpoint()
    {
        // Closed form: trilinear interpolation reproduces a linear field exactly, and the mean of a linear function
        // over evenly spaced points of a segment (ends included) is its value at the midpoint.
        var volume = Linear();
        var random = new Random(3);
        int n = 200;
        var white = new float[3 * n];
        var pial = new float[3 * n];
        for (int v = 0; v < n; v++)
        {
            // Inside the grid: voxel coordinates 2..15 map into the world through the affine.
            var (x, y, z) = Affines.Apply(Affine, 2 + random.NextDouble() * 13, 2 + random.NextDouble() * 18, 2 + random.NextDouble() * 12);
            white[3 * v] = (float)x;
            white[3 * v + 1] = (float)y;
            white[3 * v + 2] = (float)z;
            pial[3 * v] = (float)(x + random.NextDouble() * 3 - 1.5);
            pial[3 * v + 1] = (float)(y + random.NextDouble() * 3 - 1.5);
            pial[3 * v + 2] = (float)(z + random.NextDouble() * 3 - 1.5);
        }
        foreach (var samples in new[] { 1, 2, 7, VolumeToSurface.DefaultSamples })
        {
            var values = VolumeToSurface.Sample(volume, white, pial, samples);
            for (int v = 0; v < n; v++)
            {
                double mx = (white[3 * v] + pial[3 * v]) / 2.0, my = (white[3 * v + 1] + pial[3 * v + 1]) / 2.0, mz = (white[3 * v + 2] + pial[3 * v + 2]) / 2.0;
                double expected = 2 * mx + 3 * my - mz + 5;
                Assert.Equal(expected, values[v], 1e-3 * Math.Max(1, Math.Abs(expected)));
            }
        }
    }

    [Fact]
    public void VerticesOutsideOrOverNaN_GetNaN_PartialSegmentsAverageTheValidPoints()
    {
        var volume = Linear();
        var outside = Affines.Apply(Affine, -10, -10, -10);
        var inside = Affines.Apply(Affine, 5, 5, 5);
        float[] white = [(float)outside.X, (float)outside.Y, (float)outside.Z, (float)inside.X, (float)inside.Y, (float)inside.Z];
        float[] pial = [(float)outside.X, (float)outside.Y, (float)outside.Z, (float)outside.X, (float)outside.Y, (float)outside.Z];
        var values = VolumeToSurface.Sample(volume, white, pial, 3);
        Assert.True(float.IsNaN(values[0]));
        // Only the white end (t = 0) of the second segment is inside: its value alone.
        Assert.Equal(2 * inside.X + 3 * inside.Y - inside.Z + 5, values[1], 1e-3);

        Array.Fill(volume.Values, float.NaN);
        Assert.All(VolumeToSurface.Sample(volume, white, white, 3), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void MismatchedSurfaces_AreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => VolumeToSurface.Sample(Linear(), new float[6], new float[9]));
        Assert.Contains("same vertices", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Affines.Invert(new double[4, 4]));
    }
}
