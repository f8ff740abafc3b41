using System.Runtime.InteropServices;

namespace NeuroLab.Formats.Inspection;

/// <summary>
/// Streams the stored elements of an array (raw, either byte order) as doubles in fixed-size chunks, so a file's
/// data can be checked and summarised without holding it: memory is one chunk whatever the declared size.
/// Complex values contribute their real part (as <see cref="NumericArray.GetDouble"/> does); float16 is widened.
/// </summary>
internal static class StoredValues
{
    /// <summary>Elements per chunk: 64 Ki (at most 1 MiB of raw bytes, 512 KiB of doubles).</summary>
    public const int ChunkElements = 1 << 16;

    /// <summary>
    /// Reads <paramref name="count"/> elements of <paramref name="type"/> (or IEEE half floats when
    /// <paramref name="float16"/>) from <paramref name="stream"/> and hands them to <paramref name="visit"/> as
    /// (index of the chunk's first element, values). <paramref name="visit"/> returns false to stop early (the rest
    /// is then not read). Truncation and corrupt compressed data throw <see cref="FormatReadException"/>.
    /// </summary>
    public static void Scan(Stream stream, NumericType type, long count, bool littleEndian, string fileName, string what,
        Func<long, ReadOnlySpan<double>, bool> visit, bool float16 = false)
    {
        int size = float16 ? 2 : NumericTypes.SizeOf(type);
        bool complex = !float16 && NumericTypes.IsComplex(type);
        var raw = new byte[ChunkElements * size];
        var values = new double[ChunkElements];
        for (long start = 0; start < count; start += ChunkElements)
        {
            int n = (int)Math.Min(ChunkElements, count - start);
            var bytes = raw.AsSpan(0, n * size);
            int got;
            try
            {
                got = StreamReading.ReadUpTo(stream, bytes);
            }
            catch (InvalidDataException e)
            {
                throw new FormatReadException(fileName, $"corrupt compressed data while reading {what} ({e.Message})", e);
            }
            if (got < bytes.Length)
            {
                // Name the whole array's size, not the chunk's: that is what the header promised.
                throw new FormatReadException(fileName, $"file ends early: {what} needs {count * size:N0} bytes, only {start * size + got:N0} are present.");
            }
            if (littleEndian != BitConverter.IsLittleEndian)
            {
                StreamReading.ReverseEndianness(bytes, complex ? size / 2 : size);
            }
            var v = values.AsSpan(0, n);
            if (float16)
            {
                var half = MemoryMarshal.Cast<byte, Half>(bytes);
                for (int i = 0; i < n; i++)
                {
                    v[i] = (double)half[i];
                }
            }
            else
            {
                Convert(type, bytes, v);
            }
            if (!visit(start, v))
            {
                return;
            }
        }
    }

    private static void Convert(NumericType type, ReadOnlySpan<byte> bytes, Span<double> v)
    {
        switch (type)
        {
            case NumericType.Bool:
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] = bytes[i] != 0 ? 1 : 0;
                }
                break;
            case NumericType.UInt8: Widen<byte>(bytes, v, x => x); break;
            case NumericType.Int8: Widen<sbyte>(bytes, v, x => x); break;
            case NumericType.UInt16: Widen<ushort>(bytes, v, x => x); break;
            case NumericType.Int16: Widen<short>(bytes, v, x => x); break;
            case NumericType.UInt32: Widen<uint>(bytes, v, x => x); break;
            case NumericType.Int32: Widen<int>(bytes, v, x => x); break;
            case NumericType.UInt64: Widen<ulong>(bytes, v, x => x); break;
            case NumericType.Int64: Widen<long>(bytes, v, x => x); break;
            case NumericType.Float32: Widen<float>(bytes, v, x => x); break;
            case NumericType.Float64: MemoryMarshal.Cast<byte, double>(bytes).CopyTo(v); break;
            case NumericType.Complex64:
            {
                var f = MemoryMarshal.Cast<byte, float>(bytes);
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] = f[2 * i];
                }
                break;
            }
            case NumericType.Complex128:
            {
                var d = MemoryMarshal.Cast<byte, double>(bytes);
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] = d[2 * i];
                }
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown element type.");
        }
    }

    private static void Widen<T>(ReadOnlySpan<byte> bytes, Span<double> v, Func<T, double> widen) where T : struct
    {
        var typed = MemoryMarshal.Cast<byte, T>(bytes);
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = widen(typed[i]);
        }
    }
}

/// <summary>
/// Running statistics of a stream of values: count, NaN/infinite count, finite min/max/mean, and the number of
/// distinct values up to <see cref="MaxDistinct"/> (to tell masks and label atlases from continuous maps).
/// </summary>
internal sealed class ValueStatistics
{
    public const int MaxDistinct = 1000;

    private readonly HashSet<double>? _distinct;
    private double _sum;
    private double _last;
    private bool _hasLast;

    public ValueStatistics(bool countDistinct = false) => _distinct = countDistinct ? [] : null;

    public long Count { get; private set; }

    public long NonFinite { get; private set; }

    public double Min { get; private set; } = double.PositiveInfinity;

    public double Max { get; private set; } = double.NegativeInfinity;

    public long Finite => Count - NonFinite;

    public double Mean => Finite > 0 ? _sum / Finite : double.NaN;

    /// <summary>Distinct values seen, or null when over <see cref="MaxDistinct"/> (or not counted).</summary>
    public int? Distinct => _distinct is { Count: <= MaxDistinct } d ? d.Count : null;

    public void Add(ReadOnlySpan<double> values)
    {
        Count += values.Length;
        foreach (var v in values)
        {
            if (!double.IsFinite(v))
            {
                NonFinite++;
            }
            else
            {
                _sum += v;
                if (v < Min)
                {
                    Min = v;
                }
                if (v > Max)
                {
                    Max = v;
                }
            }
            // Runs of one value (background, label fields) skip the hash set.
            if (_distinct is { Count: <= MaxDistinct } d && !(_hasLast && v.Equals(_last)))
            {
                d.Add(v);
                _last = v;
                _hasLast = true;
            }
        }
    }

    /// <summary>Equal-width histogram bins between the finite min and max (as <see cref="PreviewRenderer.Histogram"/>).</summary>
    public HistogramAccumulator NewHistogram(int bins) => new(Min, Max, Finite, bins);
}

/// <summary>Counts values into bins fixed in advance (a second streaming pass after <see cref="ValueStatistics"/>).</summary>
internal sealed class HistogramAccumulator
{
    private readonly double _min;
    private readonly double _max;
    private readonly long[] _counts;

    public HistogramAccumulator(double min, double max, long finite, int bins)
    {
        _min = min;
        _max = max;
        Empty = finite == 0;
        Constant = !Empty && min == max;
        _counts = new long[Empty || Constant ? 1 : bins];
        if (Constant)
        {
            _counts[0] = finite;
        }
    }

    public bool Empty { get; }

    public bool Constant { get; }

    /// <summary>True when the counts are already final (no values, or all equal) and no second pass is needed.</summary>
    public bool Done => Empty || Constant;

    public void Add(ReadOnlySpan<double> values)
    {
        if (Done)
        {
            return;
        }
        int bins = _counts.Length;
        // Halved, so a range spanning most of the float64 line (max - min = infinity) still bins correctly.
        double min = _min / 2, width = _max / 2 - _min / 2;
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                _counts[Math.Clamp((int)((v / 2 - min) / width * bins), 0, bins - 1)]++;
            }
        }
    }

    public (double[] Edges, long[] Counts) Result()
    {
        if (Empty)
        {
            return ([0, 1], [0]);
        }
        if (Constant)
        {
            return ([_min - 0.5, _min + 0.5], [.. _counts]);
        }
        int bins = _counts.Length;
        return (PreviewRenderer.Edges(_min, _max, bins), [.. _counts]);
    }
}

/// <summary>
/// Block-averages a 2-D view of a streamed array into at most [outRows, outCols] cells (NaN and infinities skipped):
/// the heat map of a matrix or the slice of a volume, in memory proportional to the picture, not the data.
/// </summary>
internal sealed class GridAverager
{
    private readonly double[] _sums;
    private readonly int[] _counts;

    /// <param name="rows">Rows of the 2-D view.</param>
    /// <param name="cols">Columns of the 2-D view.</param>
    /// <param name="maxSide">Most cells a side.</param>
    /// <param name="keepAspect">Shrink both sides by one factor (a picture) rather than each to at most maxSide (a matrix).</param>
    public GridAverager(long rows, long cols, int maxSide, bool keepAspect = false)
    {
        Rows = rows;
        Cols = cols;
        double shrink = keepAspect ? Math.Min(1.0, (double)maxSide / Math.Max(rows, cols)) : 1;
        OutRows = (int)Math.Max(1, keepAspect ? Math.Round(rows * shrink) : Math.Min(rows, maxSide));
        OutCols = (int)Math.Max(1, keepAspect ? Math.Round(cols * shrink) : Math.Min(cols, maxSide));
        _sums = new double[OutRows * OutCols];
        _counts = new int[OutRows * OutCols];
    }

    public long Rows { get; }

    public long Cols { get; }

    public int OutRows { get; }

    public int OutCols { get; }

    public void Add(long row, long col, double v) => AddCell(RowCell(row), ColCell(col), v);

    /// <summary>The output row a source row falls in (rows past the end give OutRows, which callers never add to).</summary>
    public int RowCell(long row) => (int)Math.Min(OutRows, row * OutRows / Rows);

    /// <summary>The output column a source column falls in.</summary>
    public int ColCell(long col) => (int)(col * OutCols / Cols);

    /// <summary>Adds a finite value to the cell (<paramref name="rowCell"/>, <paramref name="colCell"/>).</summary>
    public void AddCell(int rowCell, int colCell, double v)
    {
        if (!double.IsFinite(v) || rowCell >= OutRows)
        {
            return;
        }
        int cell = rowCell * OutCols + colCell;
        _sums[cell] += v;
        _counts[cell]++;
    }

    /// <summary>The cell means, row-major [OutRows, OutCols]; NaN where no finite value fell.</summary>
    public double[] Means() => [.. _sums.Select((s, i) => _counts[i] > 0 ? s / _counts[i] : double.NaN)];
}
