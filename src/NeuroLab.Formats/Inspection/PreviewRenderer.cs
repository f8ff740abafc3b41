using NeuroLab.Formats.Images;
using NeuroLab.Formats.Matlab;
using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Numpy;
using NeuroLab.Formats.Tabular;

namespace NeuroLab.Formats.Inspection;

/// <summary>
/// Small pictures of a file for people to check before and after import: the middle axial slice of a
/// volume, a thumbnail of an image, a heat map of a matrix. Also value histograms. Only the first volume of
/// a 4-D image is read, so previews stay cheap for long runs.
/// </summary>
public static class PreviewRenderer
{
    /// <summary>A PNG preview of the file, or null when the format has no picture (events, text, surfaces).</summary>
    public static byte[]? RenderPng(string path, string fileName, int maxSide = 256)
    {
        var format = FormatDetector.Detect(path);
        return format switch
        {
            "nifti" => NiftiSlice(path, maxSide),
            "image" => ImageThumbnail.EncodePng(ImageReader.Read(path, new ImageReadOptions()), maxSide),
            "npy" => Heatmap(NpyReader.Read(path), maxSide),
            "matrix" => Heatmap(DelimitedMatrixReader.Read(path).Values, maxSide),
            "mat" => MatReader.Read(path).Variables.Values.OfType<MatNumeric>().Where(m => !m.IsComplex && m.Array.Rank >= 2 && m.Array.Length > 1)
                .Select(m => Heatmap(m.Array, maxSide)).FirstOrDefault(),
            "npz" => NpzReader.Read(path).Values.Where(a => a.Rank >= 1).Select(a => Heatmap(a, maxSide)).FirstOrDefault(),
            _ => null,
        };
    }

    /// <summary>The middle axial (z) slice of the first volume, anterior up, grey levels windowed to the 1st-99th percentile.</summary>
    public static byte[] NiftiSlice(string path, int maxSide)
    {
        var volume = NiftiReader.ReadVolumes(path).First();
        var h = NiftiReader.ReadHeader(path);
        bool rgb = volume.Rank == 4;
        int nx = (int)volume.Shape[rgb ? 1 : 0], ny = (int)volume.Shape[rgb ? 2 : 1], nz = (int)volume.Shape[rgb ? 3 : 2];
        int z = nz / 2;
        var slice = new double[nx * ny];
        for (int y = 0; y < ny; y++)
        {
            for (int x = 0; x < nx; x++)
            {
                var raw = rgb ? volume[0, x, y, z] : volume[x, y, z];
                slice[y * nx + x] = h.HasScaling ? raw * h.SclSlope + (double.IsNaN(h.SclInter) ? 0 : h.SclInter) : raw;
            }
        }
        var (low, high) = Percentiles(slice, 0.01, 0.99);
        var pixels = new float[nx * ny];
        // Image rows run top to bottom; voxel y grows towards anterior in RAS-like images, so flip it.
        for (int y = 0; y < ny; y++)
        {
            for (int x = 0; x < nx; x++)
            {
                var v = slice[y * nx + x];
                pixels[(ny - 1 - y) * nx + x] = double.IsFinite(v) ? (float)Math.Clamp((v - low) / (high > low ? high - low : 1), 0, 1) : 0;
            }
        }
        return ImageThumbnail.EncodePng(new NumericArray(NumericType.Float32, [ny, nx, 1], pixels), maxSide);
    }

    /// <summary>
    /// A heat map of a matrix (rows down, columns across; higher-rank arrays use their first 2-D slice), block-averaged
    /// to at most <paramref name="maxSide"/> pixels a side, coloured with viridis between the 1st and 99th percentile.
    /// </summary>
    public static byte[] Heatmap(NumericArray array, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(array);
        var c = array.ToCOrder();
        int rows = array.Rank == 1 ? 1 : (int)array.Shape[0];
        int cols = array.Rank == 1 ? (int)array.Shape[0] : (int)array.Shape[1];
        long stride = array.Rank <= 2 ? cols : array.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        long inner = array.Rank <= 2 ? 1 : array.Shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        int outRows = Math.Max(1, Math.Min(rows, maxSide)), outCols = Math.Max(1, Math.Min(cols, maxSide));
        var cells = new double[outRows * outCols];
        var counts = new int[outRows * outCols];
        for (int r = 0; r < rows; r++)
        {
            for (int col = 0; col < cols; col++)
            {
                var v = c.GetDouble(r * stride + col * inner);
                if (!double.IsFinite(v))
                {
                    continue;
                }
                int cell = (int)((long)r * outRows / rows) * outCols + (int)((long)col * outCols / cols);
                cells[cell] += v;
                counts[cell]++;
            }
        }
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i] = counts[i] > 0 ? cells[i] / counts[i] : double.NaN;
        }
        var (low, high) = Percentiles(cells, 0.01, 0.99);
        var rgb = new float[outRows * outCols * 3];
        for (int i = 0; i < cells.Length; i++)
        {
            var t = double.IsFinite(cells[i]) ? Math.Clamp((cells[i] - low) / (high > low ? high - low : 1), 0, 1) : double.NaN;
            var (red, green, blue) = double.IsNaN(t) ? (0.5, 0.5, 0.5) : Viridis(t);
            rgb[i * 3] = (float)red;
            rgb[i * 3 + 1] = (float)green;
            rgb[i * 3 + 2] = (float)blue;
        }
        // Small matrices are scaled up (nearest neighbour, whole pixels per cell) so each cell stays visible.
        int factor = Math.Max(1, maxSide / Math.Max(outRows, outCols));
        var scaled = new float[outRows * factor * outCols * factor * 3];
        for (int y = 0; y < outRows * factor; y++)
        {
            for (int x = 0; x < outCols * factor; x++)
            {
                int from = ((y / factor) * outCols + x / factor) * 3, to = (y * outCols * factor + x) * 3;
                scaled[to] = rgb[from];
                scaled[to + 1] = rgb[from + 1];
                scaled[to + 2] = rgb[from + 2];
            }
        }
        return ImageThumbnail.EncodePng(new NumericArray(NumericType.Float32, [outRows * factor, outCols * factor, 3], scaled), maxSide);
    }

    /// <summary>
    /// Histogram of a file's values (scaled voxels of the first volume, array or matrix values, image pixels,
    /// per-vertex surface data), or null for formats without numbers (events, text, meshes only).
    /// </summary>
    public static (double[] Edges, long[] Counts)? FileHistogram(string path, int bins = 40)
    {
        double[]? values = FormatDetector.Detect(path) switch
        {
            "nifti" => NiftiFirstVolume(path),
            "npy" => NpyReader.Read(path).ToFloat64(),
            "matrix" => DelimitedMatrixReader.Read(path).Values.ToFloat64(),
            "image" => ImageReader.Read(path, new ImageReadOptions()).ToFloat64(),
            "mat" => MatReader.Read(path).Variables.Values.OfType<MatNumeric>().Where(m => !m.IsComplex).OrderByDescending(m => m.Array.Length).FirstOrDefault()?.Array.ToFloat64(),
            "npz" => NpzReader.Read(path).Values.OrderByDescending(a => a.Length).FirstOrDefault()?.ToFloat64(),
            "gifti" => Gifti.GiftiReader.Read(path).PerVertexData.FirstOrDefault()?.Array.ToFloat64(),
            _ => null,
        };
        return values is null ? null : Histogram(values, bins);
    }

    private static double[] NiftiFirstVolume(string path)
    {
        var h = NiftiReader.ReadHeader(path);
        var volume = NiftiReader.ReadVolumes(path).First().ToFloat64();
        if (h.HasScaling)
        {
            double inter = double.IsNaN(h.SclInter) ? 0 : h.SclInter;
            for (int i = 0; i < volume.Length; i++)
            {
                volume[i] = volume[i] * h.SclSlope + inter;
            }
        }
        return volume;
    }

    /// <summary>Histogram of the finite values: <paramref name="bins"/> equal-width bins between min and max.</summary>
    public static (double[] Edges, long[] Counts) Histogram(IEnumerable<double> values, int bins = 40)
    {
        ArgumentNullException.ThrowIfNull(values);
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0)
        {
            return ([0, 1], [0]);
        }
        double min = finite.Min(), max = finite.Max();
        if (max == min)
        {
            return ([min - 0.5, min + 0.5], [finite.Length]);
        }
        var edges = Enumerable.Range(0, bins + 1).Select(i => min + (max - min) * i / bins).ToArray();
        var counts = new long[bins];
        foreach (var v in finite)
        {
            counts[Math.Min(bins - 1, (int)((v - min) / (max - min) * bins))]++;
        }
        return (edges, counts);
    }

    private static (double Low, double High) Percentiles(double[] values, double low, double high)
    {
        var finite = values.Where(double.IsFinite).Order().ToArray();
        if (finite.Length == 0)
        {
            return (0, 1);
        }
        return (finite[(int)(low * (finite.Length - 1))], finite[(int)(high * (finite.Length - 1))]);
    }

    // Viridis at 9 stops (matplotlib 3.x `viridis`), linearly interpolated.
    private static readonly (double R, double G, double B)[] _viridis =
    [
        (0.267, 0.005, 0.329), (0.283, 0.141, 0.458), (0.254, 0.265, 0.530), (0.207, 0.372, 0.553), (0.164, 0.471, 0.558),
        (0.128, 0.567, 0.551), (0.135, 0.659, 0.518), (0.267, 0.749, 0.441), (0.478, 0.821, 0.318), (0.741, 0.873, 0.150), (0.993, 0.906, 0.144),
    ];

    private static (double R, double G, double B) Viridis(double t)
    {
        var x = t * (_viridis.Length - 1);
        int i = Math.Min(_viridis.Length - 2, (int)x);
        var f = x - i;
        var (a, b) = (_viridis[i], _viridis[i + 1]);
        return (a.R + (b.R - a.R) * f, a.G + (b.G - a.G) * f, a.B + (b.B - a.B) * f);
    }
}
