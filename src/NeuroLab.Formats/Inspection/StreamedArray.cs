using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Formats.Inspection;

/// <summary>
/// An array in a file that is read by streaming, never held: its declared shape and type, and a way to reopen its
/// data for another pass (statistics, then a histogram). Used for the formats whose data are one raw run of
/// elements after a header (NIfTI, .npy, the entries of a .npz), compressed or not.
/// </summary>
internal sealed class StreamedArray
{
    private readonly Func<Action<Stream>, bool> _withData;

    private StreamedArray(string fileName, IReadOnlyList<long> shape, NumericType type, bool littleEndian, bool float16, ArrayOrder order, Func<Action<Stream>, bool> withData)
    {
        FileName = fileName;
        Shape = shape;
        Type = type;
        LittleEndian = littleEndian;
        Float16 = float16;
        Order = order;
        _withData = withData;
    }

    public string FileName { get; }

    public IReadOnlyList<long> Shape { get; }

    public NumericType Type { get; }

    public bool LittleEndian { get; }

    public bool Float16 { get; }

    public ArrayOrder Order { get; }

    public long Length => Shape.Aggregate(1L, (a, d) => a * d);

    public bool IsFloating => Float16 || Type is NumericType.Float32 or NumericType.Float64 or NumericType.Complex64 or NumericType.Complex128;

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Streams the values in storage order; <paramref name="visit"/> returns false to stop early.</summary>
    public void Scan(Func<long, ReadOnlySpan<double>, bool> visit) =>
        _withData(stream => StoredValues.Scan(stream, Type, Length, LittleEndian, FileName, $"the data ({ShapeText} {NumericTypes.Name(Type)})", visit, Float16));

    /// <summary>The single-file NIfTI image at <paramref name="path"/>, checked against <paramref name="limits"/>.</summary>
    public static StreamedArray Nifti(string path, string fileName, InspectionLimits limits, out NiftiHeader header)
    {
        using (Open(out header, out var type, out var shape))
        {
            return new StreamedArray(fileName, shape, type, !header.BigEndian, false, ArrayOrder.Fortran, visit =>
            {
                using var data = Open(out _, out _, out _);
                visit(data);
                return true;
            });
        }

        Stream Open(out NiftiHeader h, out NumericType t, out long[] s)
        {
            // OpenVoxelData checks the declared size against the decoded limit before anything is read.
            return NiftiReader.OpenVoxelData(path, fileName, limits.Decoded, out h, out t, out s);
        }
    }

    /// <summary>The .npy file (plain or gzip-compressed) at <paramref name="path"/>.</summary>
    public static StreamedArray Npy(string path, string fileName, InspectionLimits limits)
    {
        NpyHeader header;
        using (var stream = StreamReading.OpenMaybeGzip(path))
        {
            header = ReadNpyHeader(stream, fileName, limits);
        }
        return FromNpy(fileName, header, visit =>
        {
            using var stream = StreamReading.OpenMaybeGzip(path);
            ReadNpyHeader(stream, fileName, limits);
            visit(stream);
            return true;
        });
    }

    /// <summary>The .npy entries of the .npz archive at <paramref name="path"/>, by name, in archive order.</summary>
    public static IReadOnlyList<(string Name, StreamedArray Array)> NpzEntries(string path, string fileName, InspectionLimits limits)
    {
        var entries = new List<(string, StreamedArray)>();
        NpzReader.VisitEntries(path, fileName, limits.Decoded, limits.MaxDecodedBytes, _ => true, (key, header, _) =>
            entries.Add((key, FromNpy($"{fileName} entry '{key}.npy'", header, visit =>
            {
                bool found = false;
                NpzReader.VisitEntries(path, fileName, limits.Decoded, limits.MaxDecodedBytes, k => k == key, (_, _, data) =>
                {
                    found = true;
                    visit(data);
                });
                return found;
            }))));
        return entries;
    }

    private static NpyHeader ReadNpyHeader(Stream stream, string fileName, InspectionLimits limits)
    {
        var header = NpyReader.ReadHeader(stream, fileName, limits.Decoded);
        limits.CheckDecoded(fileName, header.Length * NumericTypes.SizeOf(header.Type), "the array");
        return header;
    }

    private static StreamedArray FromNpy(string fileName, NpyHeader header, Func<Action<Stream>, bool> withData) =>
        new(fileName, header.Shape, header.Type, header.LittleEndian, header.StoredAsFloat16, header.FortranOrder ? ArrayOrder.Fortran : ArrayOrder.C, withData);
}
