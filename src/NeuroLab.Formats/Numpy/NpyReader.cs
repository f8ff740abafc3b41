using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace NeuroLab.Formats.Numpy;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0, as written by <c>numpy.save</c>;
/// spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html) into a
/// <see cref="NumericArray"/> with the stored shape, element type and C/Fortran order.
/// </summary>
/// <remarks>
/// <para>Supported dtypes: b1, i1/u1, i2/u2, i4/u4, i8/u8, f4, f8, c8, c16 in any byte order
/// (&lt;, &gt;, |, =); data are converted to machine order. Half floats (f2) are widened to float32 —
/// exact, since every float16 is a float32 — and <see cref="NpyHeader.StoredAsFloat16"/> reports it.</para>
/// <para>Object (pickled), string, unicode, datetime, void/structured and long-double dtypes are refused
/// with a <see cref="FormatReadException"/> naming the dtype; pickles are never executed.</para>
/// <para>The header is parsed as a Python literal, never evaluated; it may be at most
/// <see cref="MaxHeaderLength"/> bytes. The declared shape is checked against <see cref="ReadLimits"/>, and
/// (for seekable streams) the data length against the bytes left in the file, before anything is
/// allocated. Bytes after the array are ignored, as <c>numpy.load</c> does (several arrays saved to one
/// open file: this reads the first). A gzip-compressed file (.npy.gz) is decompressed transparently when
/// read from a path.</para>
/// </remarks>
public static class NpyReader
{
    /// <summary>Longest header accepted, in bytes. NumPy itself refuses headers over 10,000 characters by default.</summary>
    public const int MaxHeaderLength = 65536;

    private static readonly byte[] _magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads the .npy file at <paramref name="path"/>.</summary>
    /// <exception cref="FormatReadException">The file is not a readable .npy file; the message says why.</exception>
    public static NumericArray Read(string path, ReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = StreamReading.OpenMaybeGzip(path);
        return Read(stream, Path.GetFileName(path), limits);
    }

    /// <summary>
    /// Reads one .npy array from <paramref name="stream"/>, starting at its current position, and leaves the
    /// stream just after the array's data. <paramref name="fileName"/> is used in error messages only.
    /// </summary>
    /// <exception cref="FormatReadException">The data are not a readable .npy array; the message says why.</exception>
    public static NumericArray Read(Stream stream, string fileName, ReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        long? available = stream.CanSeek ? stream.Length - stream.Position : null;
        return ReadCore(stream, fileName, limits ?? ReadLimits.Default, available);
    }

    /// <summary>
    /// Reads and checks only the header, leaving <paramref name="stream"/> at the first data byte.
    /// </summary>
    /// <exception cref="FormatReadException">The header is missing, malformed or describes an unsupported or oversized array.</exception>
    public static NpyHeader ReadHeader(Stream stream, string fileName, ReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        long? available = stream.CanSeek ? stream.Length - stream.Position : null;
        return ReadHeaderCore(stream, fileName, limits ?? ReadLimits.Default, available);
    }

    /// <summary>
    /// Shared by <see cref="NpzReader"/>: <paramref name="available"/> is the number of bytes known to be
    /// left for this array (file length or a zip entry's declared size), or null when unknown;
    /// <paramref name="maxDecodedBytes"/> caps the decoded array (an archive's remaining total).
    /// </summary>
    internal static NumericArray ReadCore(Stream stream, string fileName, ReadLimits limits, long? available, long maxDecodedBytes = long.MaxValue)
    {
        var header = ReadHeaderCore(stream, fileName, limits, available);
        long decoded = header.Length * NumericTypes.SizeOf(header.Type);
        if (decoded > maxDecodedBytes)
        {
            throw new FormatReadException(fileName, $"this array ({decoded:N0} bytes decoded) would take the archive past its total limit; only {Math.Max(0, maxDecodedBytes):N0} bytes are left.");
        }
        try
        {
            Array data;
            if (header.StoredAsFloat16)
            {
                data = ReadHalfAsSingle(stream, header.Length, header.LittleEndian, fileName);
            }
            else
            {
                data = StreamReading.ReadElements(stream, header.Type, header.Length, header.LittleEndian, fileName,
                    $"array data ({FormatShape(header.Shape)} {header.Descr})");
            }
            return new NumericArray(header.Type, header.Shape, data, header.FortranOrder ? ArrayOrder.Fortran : ArrayOrder.C);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new FormatReadException(fileName, $"the array data cannot be read: {e.Message}", e);
        }
    }

    private static NpyHeader ReadHeaderCore(Stream stream, string fileName, ReadLimits limits, long? available)
    {
        Span<byte> prefix = stackalloc byte[12];
        int got;
        try
        {
            got = StreamReading.ReadUpTo(stream, prefix[..8]);
        }
        catch (InvalidDataException e)
        {
            throw new FormatReadException(fileName, $"corrupt compressed data at the start of the file ({e.Message})", e);
        }
        if (got is > 0 and < 6 && prefix[..got].SequenceEqual(_magic.AsSpan(0, got)))
        {
            throw new FormatReadException(fileName, $"file ends early: only {got} bytes, inside the .npy magic bytes.");
        }
        if (got < _magic.Length || !prefix[.._magic.Length].SequenceEqual(_magic))
        {
            throw new FormatReadException(fileName, got == 0
                ? "the file is empty; a .npy file starts with the bytes \\x93NUMPY."
                : "not a NumPy .npy file: it does not start with the magic bytes \\x93NUMPY.");
        }
        if (got < 8)
        {
            throw new FormatReadException(fileName, "file ends early: the .npy format version is missing after the magic bytes.");
        }
        int major = prefix[6];
        int minor = prefix[7];
        if (major is not (1 or 2 or 3) || minor != 0)
        {
            throw new FormatReadException(fileName, $"unsupported .npy format version {major}.{minor}; versions 1.0, 2.0 and 3.0 are supported.");
        }
        int lengthSize = major == 1 ? 2 : 4;
        StreamReading.ReadExactly(stream, prefix.Slice(8, lengthSize), fileName, "the .npy header length");
        long headerLength = major == 1
            ? BinaryPrimitives.ReadUInt16LittleEndian(prefix.Slice(8, 2))
            : BinaryPrimitives.ReadUInt32LittleEndian(prefix.Slice(8, 4));
        long consumed = 8 + lengthSize;
        if (headerLength > MaxHeaderLength)
        {
            throw new FormatReadException(fileName, $"the header length field says {headerLength:N0} bytes; at most {MaxHeaderLength:N0} are accepted (real headers are a few hundred bytes).");
        }
        if (available is long left && consumed + headerLength > left)
        {
            throw new FormatReadException(fileName, $"file ends early: the header length field says {headerLength:N0} bytes, but only {Math.Max(0, left - consumed):N0} bytes follow it.");
        }
        var headerBytes = new byte[headerLength];
        StreamReading.ReadExactly(stream, headerBytes, fileName, "the .npy header");
        consumed += headerLength;

        string text;
        try
        {
            // Versions 1.0 and 2.0 store latin-1 text; 3.0 stores UTF-8.
            text = major == 3
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes)
                : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatReadException(fileName, "the version 3.0 header is not valid UTF-8 text.", e);
        }

        object? parsed;
        try
        {
            parsed = PythonLiteralParser.Parse(text);
        }
        catch (FormatException e)
        {
            throw new FormatReadException(fileName, $"the header is not a valid Python dictionary literal: {e.Message}; header: {Abbreviate(text)}", e);
        }
        if (parsed is not Dictionary<string, object?> dict)
        {
            throw new FormatReadException(fileName, $"the header is not a dictionary: {Abbreviate(text)}");
        }
        string[] expectedKeys = ["descr", "fortran_order", "shape"];
        if (dict.Count != expectedKeys.Length || !expectedKeys.All(dict.ContainsKey))
        {
            throw new FormatReadException(fileName, $"the header must have exactly the keys 'descr', 'fortran_order' and 'shape'; it has {string.Join(", ", dict.Keys.Select(k => "'" + k + "'"))}.");
        }
        if (dict["fortran_order"] is not bool fortran)
        {
            throw new FormatReadException(fileName, $"fortran_order must be True or False, not {PythonLiteralParser.Repr(dict["fortran_order"])}.");
        }
        var shape = ParseShape(dict["shape"], fileName);
        var descr = dict["descr"];
        if (descr is not string descrText)
        {
            throw new FormatReadException(fileName, descr is PythonLiteralParser.PyList
                ? $"structured dtype {Abbreviate(PythonLiteralParser.Repr(descr))} (named fields) is not supported; only plain numeric arrays can be read."
                : $"descr {Abbreviate(PythonLiteralParser.Repr(descr))} is not a dtype string.");
        }
        var (type, storedSize, littleEndian, isHalf) = ParseDescr(descrText, fileName);

        limits.Check(fileName, shape, type);
        long count = shape.Aggregate(1L, (a, d) => a * d);
        long dataBytes = count * storedSize;
        if (available is long total && dataBytes > total - consumed)
        {
            throw new FormatReadException(fileName, $"file ends early: the header says {FormatShape(shape)} {descrText} ({dataBytes:N0} bytes of data), but only {Math.Max(0, total - consumed):N0} bytes follow the header.");
        }
        return new NpyHeader
        {
            MajorVersion = major,
            MinorVersion = minor,
            Descr = descrText,
            FortranOrder = fortran,
            Shape = shape,
            Type = type,
            StoredAsFloat16 = isHalf,
            LittleEndian = littleEndian,
            StoredElementSize = storedSize,
            DataOffset = consumed,
        };
    }

    private static long[] ParseShape(object? value, string fileName)
    {
        if (value is not PythonLiteralParser.PyTuple tuple)
        {
            throw new FormatReadException(fileName, $"shape must be a tuple of integers, not {Abbreviate(PythonLiteralParser.Repr(value))}.");
        }
        var shape = new long[tuple.Items.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            if (tuple.Items[i] is not long d)
            {
                throw new FormatReadException(fileName, $"shape must be a tuple of integers, not {Abbreviate(PythonLiteralParser.Repr(value))}.");
            }
            shape[i] = d;
        }
        return shape;
    }

    /// <summary>Maps a dtype string ("&lt;f8") to the element type, stored size, byte order and whether it is half-precision.</summary>
    internal static (NumericType Type, int StoredSize, bool LittleEndian, bool IsHalf) ParseDescr(string descr, string fileName)
    {
        var body = descr.AsSpan();
        bool little = BitConverter.IsLittleEndian;
        if (body.Length > 0 && body[0] is '<' or '>' or '|' or '=')
        {
            little = body[0] switch
            {
                '<' => true,
                '>' => false,
                // '|' (byte order not applicable) and '=' (native) both mean machine order to NumPy.
                _ => BitConverter.IsLittleEndian,
            };
            body = body[1..];
        }
        if (body.Length < 1)
        {
            throw new FormatReadException(fileName, $"dtype '{descr}' is empty.");
        }
        char kind = body[0];
        var sizeText = body[1..];
        string? refusal = kind switch
        {
            'O' => "holds pickled Python objects; NeuroLab never unpickles (it can run code). Save a numeric array instead",
            'U' => "is unicode text; only numeric arrays can be read",
            'S' or 'a' => "is byte strings; only numeric arrays can be read",
            'V' => "is raw void/structured data; only plain numeric arrays can be read",
            'M' or 'm' => "is a datetime/timedelta type; convert it to numbers (e.g. int64 or float) before saving",
            _ => null,
        };
        if (refusal is not null)
        {
            throw new FormatReadException(fileName, $"dtype '{descr}' {refusal}.");
        }
        if (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out int size))
        {
            throw new FormatReadException(fileName, $"dtype '{descr}' is not a supported numeric dtype (expected e.g. '<f8', '<i4', '|u1', '|b1').");
        }
        (NumericType Type, bool Half)? mapped = (kind, size) switch
        {
            ('b', 1) => (NumericType.Bool, false),
            ('i', 1) => (NumericType.Int8, false),
            ('u', 1) => (NumericType.UInt8, false),
            ('i', 2) => (NumericType.Int16, false),
            ('u', 2) => (NumericType.UInt16, false),
            ('i', 4) => (NumericType.Int32, false),
            ('u', 4) => (NumericType.UInt32, false),
            ('i', 8) => (NumericType.Int64, false),
            ('u', 8) => (NumericType.UInt64, false),
            ('f', 2) => (NumericType.Float32, true),
            ('f', 4) => (NumericType.Float32, false),
            ('f', 8) => (NumericType.Float64, false),
            ('c', 8) => (NumericType.Complex64, false),
            ('c', 16) => (NumericType.Complex128, false),
            _ => null,
        };
        if (mapped is null)
        {
            var why = (kind, size) switch
            {
                ('f', 12 or 16) or ('c', 24 or 32) => "is extended-precision long double, which has no portable layout; save as float64/complex128",
                ('b' or 'i' or 'u' or 'f' or 'c', _) => "has an element size NumPy does not use for that kind",
                _ => "is not a supported numeric dtype (b1, i1-i8, u1-u8, f2, f4, f8, c8, c16)",
            };
            throw new FormatReadException(fileName, $"dtype '{descr}' {why}.");
        }
        return (mapped.Value.Type, mapped.Value.Half ? 2 : NumericTypes.SizeOf(mapped.Value.Type), little, mapped.Value.Half);
    }

    private static float[] ReadHalfAsSingle(Stream stream, long count, bool littleEndian, string fileName)
    {
        var result = new float[count];
        const int chunkElements = 1 << 20;
        var buffer = new byte[(int)Math.Min(count, chunkElements) * 2];
        for (long done = 0; done < count;)
        {
            int n = (int)Math.Min(count - done, chunkElements);
            var bytes = buffer.AsSpan(0, n * 2);
            StreamReading.ReadExactly(stream, bytes, fileName, "array data (float16)");
            for (int k = 0; k < n; k++)
            {
                var raw = bytes.Slice(k * 2, 2);
                ushort bits = littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(raw) : BinaryPrimitives.ReadUInt16BigEndian(raw);
                result[done + k] = (float)BitConverter.UInt16BitsToHalf(bits);
            }
            done += n;
        }
        return result;
    }

    internal static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    private static string Abbreviate(string text)
    {
        var trimmed = text.TrimEnd();
        return trimmed.Length <= 200 ? trimmed : trimmed[..200] + "...";
    }
}
