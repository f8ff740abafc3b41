using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace NeuroLab.Formats.Numpy;

/// <summary>
/// Writes a <see cref="NumericArray"/> as a NumPy <c>.npy</c> file, byte for byte as <c>numpy.save</c>
/// (numpy 1.24) writes the same array: format version 1.0 (2.0 only if the header would not fit a 16-bit
/// length), little-endian data, the array's C or Fortran order kept (<c>fortran_order</c>), and the
/// header padded with spaces and a newline so the data start on a 64-byte boundary.
/// See https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html.
/// </summary>
public static class NpyWriter
{
    // numpy.lib.format: ARRAY_ALIGN and GROWTH_AXIS_MAX_DIGITS (spare header room for growing an axis in place).
    private const int ArrayAlign = 64;
    private const int GrowthAxisMaxDigits = 21;
    private const int MagicLength = 6;

    /// <summary>Writes <paramref name="array"/> to a new file at <paramref name="path"/> (overwriting it).</summary>
    public static void Write(string path, NumericArray array)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(file, array);
    }

    /// <summary>Writes <paramref name="array"/> at the current position of <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, NumericArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        stream.Write(BuildHeader(array));
        var bytes = array.AsBytesSpan();
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(bytes);
            return;
        }
        int size = NumericTypes.IsComplex(array.Type) ? NumericTypes.SizeOf(array.Type) / 2 : NumericTypes.SizeOf(array.Type);
        var chunk = new byte[1 << 16];
        for (int offset = 0; offset < bytes.Length; offset += chunk.Length)
        {
            var part = chunk.AsSpan(0, Math.Min(chunk.Length, bytes.Length - offset));
            bytes.Slice(offset, part.Length).CopyTo(part);
            StreamReading.ReverseEndianness(part, size);
            stream.Write(part);
        }
    }

    /// <summary>The dtype descriptor NumPy writes for <paramref name="type"/> (little-endian), e.g. "&lt;f8".</summary>
    public static string Descr(NumericType type) => type switch
    {
        NumericType.Bool => "|b1",
        NumericType.UInt8 => "|u1",
        NumericType.Int8 => "|i1",
        NumericType.UInt16 => "<u2",
        NumericType.Int16 => "<i2",
        NumericType.UInt32 => "<u4",
        NumericType.Int32 => "<i4",
        NumericType.UInt64 => "<u8",
        NumericType.Int64 => "<i8",
        NumericType.Float32 => "<f4",
        NumericType.Float64 => "<f8",
        NumericType.Complex64 => "<c8",
        NumericType.Complex128 => "<c16",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    internal static byte[] BuildHeader(NumericArray array)
    {
        // NumPy writes fortran_order=True only for arrays that are F- but not C-contiguous; an array with at
        // most one axis longer than 1 (or no elements) is both, and its bytes are the same in either order.
        bool fortran = array.Order == ArrayOrder.Fortran && array.Length > 0 && array.Shape.Count(d => d > 1) > 1;
        var shape = array.Shape;
        var shapeRepr = shape.Count == 1
            ? "(" + shape[0].ToString(CultureInfo.InvariantCulture) + ",)"
            : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
        // Keys in sorted order, each followed by ", ", exactly as numpy's _write_array_header.
        var dict = $"{{'descr': '{Descr(array.Type)}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeRepr}, }}";
        if (shape.Count > 0)
        {
            var growthAxis = shape[fortran ? shape.Count - 1 : 0].ToString(CultureInfo.InvariantCulture);
            dict += new string(' ', Math.Max(0, GrowthAxisMaxDigits - growthAxis.Length));
        }
        var text = Encoding.ASCII.GetBytes(dict);
        // Version 1.0 unless the padded header overflows its 2-byte length field.
        foreach (var (major, lengthSize) in new[] { (1, 2), (2, 4) })
        {
            int hlen = text.Length + 1;
            int padding = ArrayAlign - ((MagicLength + 2 + lengthSize + hlen) % ArrayAlign);
            long total = (long)hlen + padding;
            if (lengthSize == 2 && total > ushort.MaxValue)
            {
                continue;
            }
            var header = new byte[MagicLength + 2 + lengthSize + total];
            header[0] = 0x93;
            Encoding.ASCII.GetBytes("NUMPY", header.AsSpan(1));
            header[6] = (byte)major;
            header[7] = 0;
            if (lengthSize == 2)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)total);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)total);
            }
            int at = 8 + lengthSize;
            text.CopyTo(header, at);
            header.AsSpan(at + text.Length, padding).Fill((byte)' ');
            header[^1] = (byte)'\n';
            return header;
        }
        throw new InvalidOperationException("Unreachable: a version 2.0 header always fits.");
    }
}
