using NeuroLab.Formats.Images;
using NeuroLab.Formats.Matlab;
using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Numpy;
using NeuroLab.Formats.Tabular;

namespace NeuroLab.Formats.Inspection;

/// <summary>
/// Small pictures of a file for people to check before and after import: the middle axial slice of a
/// volume, a thumbnail of an image, a heat map of a matrix. Also value histograms. Only the first volume of
/// a 4-D image is read, so previews stay cheap for long runs. Memory stays within <see cref="InspectionLimits"/>
/// whatever a header declares: NIfTI and NumPy data are streamed into a grid of at most
/// <see cref="MaxGridSide"/> cells a side, images decoded row by row into a box-averaged thumbnail, and
/// histograms counted in two streaming passes; formats decoded whole must fit the budget.
/// </summary>
public static class PreviewRenderer
{
    /// <summary>Most cells a side of the grid a slice or heat map is averaged into before it is drawn.</summary>
    public const int MaxGridSide = 512;

    /// <summary>A PNG preview of the file, or null when the format has no picture (events, text, surfaces).</summary>
    public static byte[]? RenderPng(string path, string fileName, int maxSide = 256, InspectionLimits? limits = null)
    {
        limits ??= InspectionLimits.Default;
        var format = FormatDetector.Detect(path);
        return format switch
        {
            "nifti" => NiftiSlice(path, fileName, maxSide, limits),
            "image" => ImageThumbnail.EncodePng(ImageSample(path, fileName, maxSide, limits), maxSide),
            "npy" => StreamedHeatmap(StreamedArray.Npy(path, fileName, limits), maxSide),
            "matrix" => Heatmap(DelimitedMatrixReader.Read(path, new DelimitedMatrixOptions { Limits = limits.Whole }).Values, maxSide),
            "mat" => MatReader.Read(path, limits.Whole).Variables.Values.OfType<MatNumeric>().Where(m => !m.IsComplex && m.Array.Rank >= 2 && m.Array.Length > 1)
                .Select(m => Heatmap(m.Array, maxSide)).FirstOrDefault(),
            "npz" => StreamedArray.NpzEntries(path, fileName, limits).Where(e => e.Array.Shape.Count >= 1).Select(e => StreamedHeatmap(e.Array, maxSide)).FirstOrDefault(),
            _ => null,
        };
    }

    /// <inheritdoc cref="NiftiSlice(string, string, int, InspectionLimits?)"/>
    public static byte[] NiftiSlice(string path, int maxSide) => NiftiSlice(path, Path.GetFileName(path), maxSide);

    /// <summary>
    /// The middle axial (z) slice of the first volume, anterior up, grey levels windowed to the 1st-99th percentile.
    /// The slice is streamed from the file and averaged into at most <see cref="MaxGridSide"/> cells a side.
    /// </summary>
    public static byte[] NiftiSlice(string path, string fileName, int maxSide, InspectionLimits? limits = null)
    {
        var image = StreamedArray.Nifti(path, fileName, limits ?? InspectionLimits.Default, out var h);
        // Stored shape [components?, x, y, z, ...]; an RGB image shows its first component.
        bool rgb = image.Shape.Count > h.Shape.Count;
        long components = rgb ? image.Shape[0] : 1;
        long nx = h.Shape[0], ny = h.Shape.Count > 1 ? h.Shape[1] : 1, nz = h.Shape.Count > 2 ? h.Shape[2] : 1;
        long z = nz / 2;
        long sliceStart = z * nx * ny * components, sliceEnd = sliceStart + nx * ny * components;
        var grid = new GridAverager(ny, nx, MaxGridSide, keepAspect: true);
        double slope = h.HasScaling ? h.SclSlope : 1, inter = h.HasScaling && !double.IsNaN(h.SclInter) ? h.SclInter : 0;
        image.Scan((start, values) =>
        {
            long from = Math.Max(start, sliceStart), to = Math.Min(start + values.Length, sliceEnd);
            for (long i = from; i < to; i++)
            {
                long element = i - sliceStart;
                if (element % components != 0)
                {
                    continue;
                }
                long voxel = element / components;
                grid.Add(voxel / nx, voxel % nx, values[(int)(i - start)] * slope + inter);
            }
            return start + values.Length < sliceEnd;
        });
        var cells = grid.Means();
        var (low, high) = Percentiles(cells, 0.01, 0.99);
        int rows = grid.OutRows, cols = grid.OutCols;
        var pixels = new float[rows * cols];
        // Image rows run top to bottom; voxel y grows towards anterior in RAS-like images, so flip it.
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                var v = cells[y * cols + x];
                pixels[(rows - 1 - y) * cols + x] = double.IsFinite(v) ? (float)Math.Clamp((v - low) / (high > low ? high - low : 1), 0, 1) : 0;
            }
        }
        return ImageThumbnail.EncodePng(new NumericArray(NumericType.Float32, [rows, cols, 1], pixels), maxSide);
    }

    /// <summary>An image decoded row by row into a box-averaged picture of at most <paramref name="maxSide"/> a side.</summary>
    private static NumericArray ImageSample(string path, string fileName, int maxSide, InspectionLimits limits)
    {
        var info = ImageReader.ReadInfo(path);
        FileInspector.CheckImage(fileName, info, limits);
        return ImageSampler.Sample(path, fileName, info, maxSide);
    }

    /// <summary>
    /// <see cref="Heatmap"/> of an array streamed from its file: its first 2-D slice (rows = first axis, columns =
    /// second; a vector is one row) averaged into cells as it streams past, whatever the array's storage order.
    /// </summary>
    private static byte[]? StreamedHeatmap(StreamedArray array, int maxSide)
    {
        var shape = array.Shape;
        if (shape.Count == 0 || array.Length == 0)
        {
            return null;
        }
        long rows = shape.Count == 1 ? 1 : shape[0], cols = shape.Count == 1 ? shape[0] : shape[1];
        long inner = shape.Skip(2).Aggregate(1L, (a, d) => a * d);
        var grid = new GridAverager(rows, cols, Math.Min(maxSide, MaxGridSide));
        bool fortran = array.Order == ArrayOrder.Fortran && shape.Count > 1;
        long sliceElements = rows * cols;
        // Cell of each column, computed once (divisions per element dominated the pass); huge vectors compute on the fly.
        int[]? colCells = cols <= 1 << 22 ? [.. Enumerable.Range(0, (int)cols).Select(c => grid.ColCell(c))] : null;
        array.Scan((start, values) =>
        {
            if (fortran)
            {
                // [r, c, rest...] with r fastest: the first slice is the first rows x cols elements.
                long r = start % rows, c = start / rows;
                for (int k = 0; k < values.Length; k++)
                {
                    if (c >= cols)
                    {
                        return false;
                    }
                    grid.AddCell(grid.RowCell(r), colCells?[c] ?? grid.ColCell(c), values[k]);
                    if (++r == rows)
                    {
                        r = 0;
                        c++;
                    }
                }
                return start + values.Length < sliceElements;
            }
            // C order: [r, c, rest...] with the rest fastest; the first slice takes the first of every `inner` elements.
            long element = start / inner, offset = start % inner;
            long row = element / cols, col = element % cols;
            int rowCell = grid.RowCell(row);
            for (int k = 0; k < values.Length; k++)
            {
                if (offset == 0)
                {
                    grid.AddCell(rowCell, colCells?[col] ?? grid.ColCell(col), values[k]);
                }
                if (++offset == inner)
                {
                    offset = 0;
                    if (++col == cols)
                    {
                        col = 0;
                        rowCell = grid.RowCell(++row);
                    }
                }
            }
            return true;
        });
        return DrawHeatmap(grid.Means(), grid.OutRows, grid.OutCols, maxSide);
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
        var grid = new GridAverager(rows, cols, maxSide);
        for (int r = 0; r < rows; r++)
        {
            for (int col = 0; col < cols; col++)
            {
                grid.Add(r, col, c.GetDouble(r * stride + col * inner));
            }
        }
        return DrawHeatmap(grid.Means(), grid.OutRows, grid.OutCols, maxSide);
    }

    /// <summary>Colours cell means [outRows, outCols] with viridis between their 1st and 99th percentile.</summary>
    private static byte[] DrawHeatmap(double[] cells, int outRows, int outCols, int maxSide)
    {
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
    /// per-vertex surface data), or null for formats without numbers (events, text, meshes only). NIfTI and NumPy
    /// data are counted exactly in two streaming passes (range, then bins); an image's pixels are those of its
    /// box-averaged picture at most <see cref="MaxGridSide"/> a side (exact for images no larger than that).
    /// </summary>
    public static (double[] Edges, long[] Counts)? FileHistogram(string path, int bins = 40, InspectionLimits? limits = null)
    {
        limits ??= InspectionLimits.Default;
        var fileName = Path.GetFileName(path);
        switch (FormatDetector.Detect(path))
        {
            case "nifti":
            {
                var image = StreamedArray.Nifti(path, fileName, limits, out var h);
                long firstVolume = image.Shape.Take(image.Shape.Count - h.Shape.Count + Math.Min(3, h.Shape.Count)).Aggregate(1L, (a, d) => a * d);
                double slope = h.HasScaling ? h.SclSlope : 1, inter = h.HasScaling && !double.IsNaN(h.SclInter) ? h.SclInter : 0;
                return StreamedHistogram(image, firstVolume, v => v * slope + inter, bins);
            }
            case "npy":
            {
                var array = StreamedArray.Npy(path, fileName, limits);
                return StreamedHistogram(array, array.Length, null, bins);
            }
            case "npz":
                return StreamedArray.NpzEntries(path, fileName, limits).OrderByDescending(e => e.Array.Length).Select(e => StreamedHistogram(e.Array, e.Array.Length, null, bins)).FirstOrDefault();
            case "image":
                return Histogram(ImageSample(path, fileName, MaxGridSide, limits).ToFloat64(), bins);
            case "matrix":
                return Histogram(DelimitedMatrixReader.Read(path, new DelimitedMatrixOptions { Limits = limits.Whole }).Values.ToFloat64(), bins);
            case "mat":
                return MatReader.Read(path, limits.Whole).Variables.Values.OfType<MatNumeric>().Where(m => !m.IsComplex).OrderByDescending(m => m.Array.Length).FirstOrDefault()?.Array is { } m
                    ? Histogram(m.ToFloat64(), bins)
                    : null;
            case "gifti":
            {
                using var stream = File.OpenRead(path);
                var whole = limits.Whole;
                return Gifti.GiftiReader.Read(stream, fileName, whole, whole.MaxArrayBytes).PerVertexData.FirstOrDefault()?.Array is { } g ? Histogram(g.ToFloat64(), bins) : null;
            }
            default:
                return null;
        }
    }

    /// <summary>Exact histogram of the first <paramref name="count"/> values in two streaming passes (range, then bins).</summary>
    private static (double[] Edges, long[] Counts) StreamedHistogram(StreamedArray array, long count, Func<double, double>? transform, int bins)
    {
        var buffer = new double[StoredValues.ChunkElements];
        var stats = new ValueStatistics();
        Pass((_, v) => stats.Add(v));
        var histogram = stats.NewHistogram(bins);
        if (!histogram.Done)
        {
            Pass((_, v) => histogram.Add(v));
        }
        return histogram.Result();

        void Pass(Action<long, ReadOnlySpan<double>> add) => array.Scan((start, values) =>
        {
            var taken = values[..(int)Math.Min(values.Length, count - start)];
            if (transform is not null)
            {
                for (int i = 0; i < taken.Length; i++)
                {
                    buffer[i] = transform(taken[i]);
                }
                taken = buffer.AsSpan(0, taken.Length);
            }
            add(start, taken);
            return start + values.Length < count;
        });
    }

    /// <summary>Histogram of the finite values: <paramref name="bins"/> equal-width bins between min and max.</summary>
    public static (double[] Edges, long[] Counts) Histogram(IEnumerable<double> values, int bins = 40)
    {
        ArgumentNullException.ThrowIfNull(values);
        // The same two passes as a streamed histogram (range, then bins), over values already in memory.
        var all = values as double[] ?? [.. values];
        var stats = new ValueStatistics();
        stats.Add(all);
        var histogram = stats.NewHistogram(bins);
        histogram.Add(all);
        return histogram.Result();
    }

    /// <summary>Equal-width bin edges from min to max, computed without forming max - min (which can overflow).</summary>
    internal static double[] Edges(double min, double max, int bins) =>
        double.IsFinite(max - min)
            ? [.. Enumerable.Range(0, bins + 1).Select(i => min + (max - min) * i / bins)]
            : [.. Enumerable.Range(0, bins + 1).Select(i => min * (1 - (double)i / bins) + max * ((double)i / bins))];

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
