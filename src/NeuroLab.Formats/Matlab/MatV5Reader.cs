using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace NeuroLab.Formats.Matlab;

/// <summary>
/// Parses the data elements of a Level 5 MAT-file (MATLAB -v6/-v7, scipy.io.savemat) after the 128-byte
/// header. Layout per MathWorks "MAT-File Format" (matfile_format.pdf), chapter 1: each element is an
/// 8-byte tag (type, byte count) or a 4-byte small-element tag with up to 4 bytes of data; top-level
/// elements are miMATRIX or miCOMPRESSED (zlib around one miMATRIX); an miMATRIX holds array flags,
/// dimensions, name and class-specific sub-elements, with cells and struct fields as nested miMATRIX.
/// Works on non-seekable streams: every element is read through a <see cref="BoundedStream"/>.
/// </summary>
internal sealed class MatV5Reader
{
    private const int MiInt8 = 1;
    private const int MiUInt8 = 2;
    private const int MiInt16 = 3;
    private const int MiUInt16 = 4;
    private const int MiInt32 = 5;
    private const int MiUInt32 = 6;
    private const int MiSingle = 7;
    private const int MiDouble = 9;
    private const int MiInt64 = 12;
    private const int MiUInt64 = 13;
    private const int MiMatrix = 14;
    private const int MiCompressed = 15;
    private const int MiUtf8 = 16;
    private const int MiUtf16 = 17;
    private const int MiUtf32 = 18;

    private const int MxCell = 1;
    private const int MxStruct = 2;
    private const int MxObject = 3;
    private const int MxChar = 4;
    private const int MxSparse = 5;
    private const int MxFunction = 16;
    private const int MxOpaque = 17;

    // Names and field-name blocks are tiny in practice (MATLAB's namelengthmax is 63); the caps only
    // stop a corrupt length from allocating much.
    private const int MaxNameBytes = 1 << 16;
    private const int MaxFieldNameBlockBytes = 1 << 24;

    private static readonly string[] _classNames =
    [
        "", "cell", "struct", "object", "char", "sparse", "double", "single", "int8", "uint8",
        "int16", "uint16", "int32", "uint32", "int64", "uint64", "function_handle", "opaque",
    ];

    private static readonly MatNumeric _emptyDouble =
        new(new NumericArray(NumericType.Float64, [0, 0], Array.Empty<double>(), ArrayOrder.Fortran), "double", false);

    private readonly string _fileName;
    private readonly ReadLimits _limits;
    private long _decodedTotal;
    private readonly bool _littleEndian;
    private readonly bool _strict;
    private readonly OrderedDictionary<string, MatValue> _variables = new(StringComparer.Ordinal);
    private readonly List<MatUnsupportedVariable> _unsupported = [];
    private readonly List<string> _globals = [];
    private readonly List<string> _warnings = [];
    private int _values;

    private MatV5Reader(string fileName, ReadLimits limits, bool littleEndian, bool strict)
    {
        _fileName = fileName;
        _limits = limits;
        _littleEndian = littleEndian;
        _strict = strict;
    }

    /// <summary>Reads every variable after the header; <paramref name="stream"/> is positioned at byte 128.</summary>
    public static MatFile Read(Stream stream, string fileName, string headerText, bool littleEndian, ReadLimits limits, bool strict)
    {
        var reader = new MatV5Reader(fileName, limits, littleEndian, strict);
        reader.ReadElements(stream);
        return new MatFile(headerText, 5, !littleEndian, new System.Collections.ObjectModel.ReadOnlyDictionary<string, MatValue>(reader._variables), reader._unsupported, reader._globals, reader._warnings);
    }

    private void ReadElements(Stream stream)
    {
        long offset = 128;
        Span<byte> tag = stackalloc byte[8];
        while (true)
        {
            int got = StreamReading.ReadUpTo(stream, tag);
            if (got == 0)
            {
                return;
            }
            if (got < 8)
            {
                if (!tag[..got].ContainsAnyExcept((byte)0))
                {
                    return; // zero padding at the end of the file
                }
                throw new FormatReadException(_fileName, $"file ends early: {got} stray bytes after the last variable at byte {offset:N0}, too few for a data element tag.");
            }
            uint type = U32(tag);
            if ((type >> 16) != 0)
            {
                throw new FormatReadException(_fileName, $"unexpected small data element (type {type & 0xFFFF}) at top level, byte {offset:N0}; a variable must be miMATRIX (14) or miCOMPRESSED (15).");
            }
            long length = U32(tag[4..]);
            if (type == 0 && length == 0)
            {
                offset += 8; // some writers pad between elements with zeros
                continue;
            }
            if (stream.CanSeek && length > stream.Length - stream.Position)
            {
                throw new FormatReadException(_fileName, $"file ends early: the data element at byte {offset:N0} declares {length:N0} bytes but only {stream.Length - stream.Position:N0} remain.");
            }
            var element = new BoundedStream(stream, length);
            if (type == MiCompressed)
            {
                ReadCompressed(element, offset);
            }
            else if (type == MiMatrix)
            {
                ReadTopLevelMatrix(element, offset);
            }
            else
            {
                throw new FormatReadException(_fileName, $"unexpected data element type {type} ({TypeName((int)type)}) at top level, byte {offset:N0}; a variable must be miMATRIX (14) or miCOMPRESSED (15).");
            }
            element.SkipRest(_fileName, $"the end of the data element at byte {offset:N0}");
            offset += 8 + length;
        }
    }

    private void ReadCompressed(BoundedStream compressed, long offset)
    {
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        Span<byte> tag = stackalloc byte[8];
        StreamReading.ReadExactly(zlib, tag, _fileName, $"the compressed variable at byte {offset:N0}");
        uint type = U32(tag);
        if (type != MiMatrix)
        {
            throw new FormatReadException(_fileName, $"the compressed element at byte {offset:N0} holds data element type {type} ({TypeName((int)type)}); expected miMATRIX (14).");
        }
        // Anything the zlib stream holds after this matrix is ignored, as MATLAB and scipy do.
        ReadTopLevelMatrix(new BoundedStream(zlib, U32(tag[4..])), offset);
    }

    private void ReadTopLevelMatrix(BoundedStream content, long offset)
    {
        if (content.Remaining == 0)
        {
            _warnings.Add($"An empty unnamed data element at byte {offset:N0} was skipped.");
            return;
        }
        var header = ReadHeader(content, $"the variable at byte {offset:N0}");
        var name = header.Name;
        if (name.Length == 0)
        {
            // MATLAB writes the workspace of objects and function handles ("subsystem data") as an
            // unnamed uint8 matrix at the end of the file; scipy calls it __function_workspace__.
            _unsupported.Add(new MatUnsupportedVariable("__function_workspace__", "MATLAB's subsystem data (the workspace behind objects and function handles) is not decoded"));
            return;
        }
        MatValue value;
        try
        {
            value = ReadBody(content, header, name, 1);
        }
        catch (MatUnsupportedException e)
        {
            var reason = $"{MatShared.Describe(e.Path)}: {e.Reason}";
            if (_strict)
            {
                throw new FormatReadException(_fileName, MatShared.StrictMessage(reason));
            }
            _unsupported.Add(new MatUnsupportedVariable(name, reason));
            return;
        }
        if (_variables.ContainsKey(name))
        {
            _warnings.Add($"Variable '{name}' appears more than once; the later one (at byte {offset:N0}) replaced the earlier.");
        }
        _variables[name] = value;
        if (header.Global && !_globals.Contains(name))
        {
            _globals.Add(name);
        }
    }

    private sealed record MatrixHeader(int Class, bool Complex, bool Global, bool Logical, long[] Dims, string Name, string? ObjectClass, string? TypeSystem);

    private MatrixHeader ReadHeader(BoundedStream content, string where)
    {
        var flags = ReadMetadata(content, $"{where}: array flags", 64);
        if (flags.Type != MiUInt32 || flags.Bytes.Length < 8)
        {
            throw new FormatReadException(_fileName, $"{where}: array flags must be an 8-byte miUINT32 element, found {TypeName(flags.Type)} of {flags.Bytes.Length} bytes.");
        }
        uint word = U32(flags.Bytes);
        int cls = (int)(word & 0xFF);
        bool complex = (word & 0x0800) != 0;
        bool global = (word & 0x0400) != 0;
        bool logical = (word & 0x0200) != 0;
        if (cls == MxOpaque)
        {
            // Opaque (MCOS) arrays carry no dimensions: name, type system ("MCOS"), class name, then data.
            var opaqueName = ReadText(content, $"{where}: name");
            var system = ReadText(content, $"{where}: type system");
            var className = ReadText(content, $"{where}: class name");
            return new MatrixHeader(cls, complex, global, logical, [], opaqueName, className, system);
        }
        var dimsElement = ReadMetadata(content, $"{where}: dimensions", 8 * 1024);
        if (dimsElement.Type != MiInt32 || dimsElement.Bytes.Length % 4 != 0)
        {
            throw new FormatReadException(_fileName, $"{where}: dimensions must be an miINT32 element, found {TypeName(dimsElement.Type)} of {dimsElement.Bytes.Length} bytes.");
        }
        int rank = dimsElement.Bytes.Length / 4;
        if (rank > _limits.MaxRank)
        {
            throw new FormatReadException(_fileName, $"{where}: {rank} dimensions; at most {_limits.MaxRank} are supported.");
        }
        var dims = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            dims[d] = (int)U32(dimsElement.Bytes.AsSpan(4 * d));
            if (dims[d] < 0)
            {
                throw new FormatReadException(_fileName, $"{where}: negative dimension in [{string.Join(", ", dims.Take(d + 1))}].");
            }
        }
        var name = ReadText(content, $"{where}: name");
        string? objectClass = cls == MxObject ? ReadText(content, $"{where}: class name") : null;
        return new MatrixHeader(cls, complex, global, logical, dims, name, objectClass, null);
    }

    private MatValue ReadBody(BoundedStream content, MatrixHeader header, string path, int depth)
    {
        switch (header.Class)
        {
            case MxCell:
                return ReadCell(content, header, path, depth);
            case MxStruct:
                return ReadStruct(content, header, path, depth);
            case MxChar:
                return ReadChar(content, header, path);
            case MxSparse:
                throw new MatUnsupportedException(path, "sparse matrices are not supported");
            case MxObject:
                throw new MatUnsupportedException(path, $"MATLAB objects (class '{header.ObjectClass}') are not supported");
            case MxFunction:
                throw new MatUnsupportedException(path, "function handles are not supported");
            case MxOpaque:
                throw new MatUnsupportedException(path, $"MATLAB objects of class '{header.ObjectClass}' ({header.TypeSystem} opaque data, e.g. string, table, datetime) are not supported");
            case >= 6 and <= 15:
                return ReadNumeric(content, header, path);
            default:
                throw new FormatReadException(_fileName, $"{MatShared.Describe(path)}: unknown MATLAB array class {header.Class}.");
        }
    }

    private MatValue ReadNested(BoundedStream parent, string path, int depth)
    {
        if (depth > MatShared.MaxDepth)
        {
            throw new FormatReadException(_fileName, $"{MatShared.Describe(path)}: cells and structs nested deeper than {MatShared.MaxDepth} levels.");
        }
        if (++_values > MatShared.MaxValues)
        {
            throw new FormatReadException(_fileName, $"{MatShared.Describe(path)}: more than {MatShared.MaxValues:N0} values in cells and structs in one file.");
        }
        var element = ReadTag(parent, MatShared.Describe(path));
        if (element.Type != MiMatrix || element.Small)
        {
            throw new FormatReadException(_fileName, $"{MatShared.Describe(path)}: expected an miMATRIX element, found {TypeName(element.Type)}.");
        }
        MatValue value;
        if (element.Length == 0)
        {
            // MATLAB writes [] inside cells and structs as an miMATRIX element with no content. One shared
            // instance (it has no elements to change) keeps a file of millions of them small.
            value = _emptyDouble;
        }
        else
        {
            var content = (BoundedStream)element.Data;
            var header = ReadHeader(content, MatShared.Describe(path));
            value = ReadBody(content, header, path, depth);
        }
        Finish(parent, element, MatShared.Describe(path));
        return value;
    }

    private MatNumeric ReadNumeric(BoundedStream content, MatrixHeader header, string path)
    {
        var where = MatShared.Describe(path);
        var className = header.Logical ? "logical" : _classNames[header.Class];
        var partType = header.Logical ? NumericType.Bool : MatShared.NumericTypeOfClass(_classNames[header.Class])!.Value;
        var type = header.Complex ? MatShared.ComplexTypeOf(partType) : partType;
        long count = _limits.Check(_fileName, header.Dims, type, where);
        _limits.AddToTotal(_fileName, ref _decodedTotal, count, type, where);
        var real = ReadNumericPart(content, count, partType, header.Dims, where, "data");
        Array data = real;
        if (header.Complex)
        {
            var imag = ReadNumericPart(content, count, partType, header.Dims, where, "imaginary part");
            data = MatShared.Interleave(real, imag, type);
        }
        return new MatNumeric(new NumericArray(type, header.Dims, data, ArrayOrder.Fortran), className, header.Logical);
    }

    private Array ReadNumericPart(BoundedStream content, long count, NumericType partType, long[] dims, string where, string part)
    {
        if (count == 0 && content.Remaining == 0)
        {
            return Array.CreateInstance(NumericTypes.ClrType(partType), 0);
        }
        var element = ReadTag(content, $"{where}: {part}");
        var stored = StoredType(element.Type)
            ?? throw new FormatReadException(_fileName, $"{where}: {part} has data type {element.Type} ({TypeName(element.Type)}), not a numeric MAT type.");
        int size = NumericTypes.SizeOf(stored);
        if (element.Length % size != 0)
        {
            throw new FormatReadException(_fileName, $"{where}: {part} is {element.Length:N0} bytes, not a whole number of {NumericTypes.Name(stored)} values.");
        }
        if (element.Length / size != count)
        {
            throw new FormatReadException(_fileName, $"{where}: {part} holds {element.Length / size:N0} values but the dimensions {string.Join("x", dims)} need {count:N0}.");
        }
        var values = StreamReading.ReadElements(element.Data, stored, count, _littleEndian, _fileName, $"{where}: {part}");
        Finish(content, element, where);
        if (partType == NumericType.Bool && stored != NumericType.Bool)
        {
            return MatShared.Convert(values, NumericType.Bool);
        }
        try
        {
            return MatShared.Convert(values, partType);
        }
        catch (OverflowException)
        {
            throw new FormatReadException(_fileName, $"{where}: {part} stored as {NumericTypes.Name(stored)} holds values outside the range of class {NumericTypes.Name(partType)}.");
        }
    }

    private MatChar ReadChar(BoundedStream content, MatrixHeader header, string path)
    {
        var where = MatShared.Describe(path);
        long count = _limits.Check(_fileName, header.Dims, NumericType.UInt16, where);
        _limits.AddToTotal(_fileName, ref _decodedTotal, count, NumericType.UInt16, where);
        if (header.Complex)
        {
            throw new FormatReadException(_fileName, $"{where}: a char array cannot be complex.");
        }
        string text;
        if (count == 0 && content.Remaining == 0)
        {
            text = "";
        }
        else
        {
            var element = ReadTag(content, $"{where}: characters");
            // UTF-8 uses up to 3 bytes per UTF-16 unit (4 per surrogate pair); other encodings 1, 2 or 4 bytes.
            if (element.Length > Math.Min(4 * count, _limits.MaxArrayBytes))
            {
                throw new FormatReadException(_fileName, $"{where}: {element.Length:N0} bytes of characters are too many for {count:N0} characters.");
            }
            var bytes = new byte[element.Length];
            StreamReading.ReadExactly(element.Data, bytes, _fileName, $"{where}: characters");
            Finish(content, element, where);
            text = element.Type switch
            {
                MiUtf8 => Encoding.UTF8.GetString(bytes),
                MiUtf16 or MiUInt16 or MiInt16 => DecodeUtf16(bytes, where),
                MiUtf32 or MiUInt32 or MiInt32 => DecodeUtf32(bytes, where),
                // One byte per character: MATLAB char codes 0-255, i.e. Latin-1.
                MiUInt8 or MiInt8 => Encoding.Latin1.GetString(bytes),
                _ => throw new FormatReadException(_fileName, $"{where}: characters stored as data type {element.Type} ({TypeName(element.Type)}); expected miUTF8, miUTF16, miUINT16 or miUINT8."),
            };
        }
        if (text.Length != count)
        {
            throw new FormatReadException(_fileName, $"{where}: {text.Length:N0} characters but the dimensions {string.Join("x", header.Dims)} need {count:N0}.");
        }
        return new MatChar(header.Dims, MatShared.CharRows(text, header.Dims, _limits, _fileName, where));
    }

    private MatCell ReadCell(BoundedStream content, MatrixHeader header, string path, int depth)
    {
        var where = MatShared.Describe(path);
        long count = _limits.Check(_fileName, header.Dims, NumericType.Int64, where + " (cell array)");
        // Every cell is at least an 8-byte tag: a count the element cannot hold is corrupt, not a reason to loop.
        if (count > content.Remaining / 8)
        {
            throw new FormatReadException(_fileName, $"{where}: {count:N0} cells declared but only {content.Remaining:N0} bytes hold them.");
        }
        var items = new List<MatValue>();
        for (long k = 0; k < count; k++)
        {
            items.Add(ReadNested(content, $"{path}{{{k + 1}}}", depth + 1));
        }
        return new MatCell(header.Dims, items);
    }

    private MatStruct ReadStruct(BoundedStream content, MatrixHeader header, string path, int depth)
    {
        var where = MatShared.Describe(path);
        var lengthElement = ReadMetadata(content, $"{where}: field name length", 64);
        if (lengthElement.Type != MiInt32 || lengthElement.Bytes.Length != 4)
        {
            throw new FormatReadException(_fileName, $"{where}: field name length must be a 4-byte miINT32, found {TypeName(lengthElement.Type)} of {lengthElement.Bytes.Length} bytes.");
        }
        int nameLength = (int)U32(lengthElement.Bytes);
        var namesElement = ReadMetadata(content, $"{where}: field names", MaxFieldNameBlockBytes);
        if (namesElement.Type is not (MiInt8 or MiUInt8 or MiUtf8))
        {
            throw new FormatReadException(_fileName, $"{where}: field names must be miINT8 text, found {TypeName(namesElement.Type)}.");
        }
        var block = namesElement.Bytes;
        if (block.Length > 0 && (nameLength <= 0 || block.Length % nameLength != 0))
        {
            throw new FormatReadException(_fileName, $"{where}: {block.Length} bytes of field names do not split into names of {nameLength} bytes.");
        }
        int fieldCount = block.Length == 0 ? 0 : block.Length / nameLength;
        var names = new string[fieldCount];
        var index = new Dictionary<string, int>(fieldCount, StringComparer.Ordinal);
        for (int f = 0; f < fieldCount; f++)
        {
            var slot = block.AsSpan(f * nameLength, nameLength);
            int end = slot.IndexOf((byte)0);
            names[f] = Encoding.UTF8.GetString(end < 0 ? slot : slot[..end]);
            if (names[f].Length == 0)
            {
                throw new FormatReadException(_fileName, $"{where}: field {f + 1} has an empty name.");
            }
            if (!index.TryAdd(names[f], f))
            {
                throw new FormatReadException(_fileName, $"{where}: field name '{names[f]}' appears twice.");
            }
        }
        long count = _limits.Check(_fileName, header.Dims, NumericType.Int64, where + " (struct array)");
        if (fieldCount > 0 && count > content.Remaining / 8 / fieldCount)
        {
            throw new FormatReadException(_fileName, $"{where}: {count:N0} elements of {fieldCount} fields declared but only {content.Remaining:N0} bytes hold them.");
        }
        var elements = new List<IReadOnlyDictionary<string, MatValue>>();
        var noFields = new MatStructElement(names, index, []);
        for (long k = 0; k < count; k++)
        {
            if (fieldCount == 0)
            {
                elements.Add(noFields);
                continue;
            }
            var values = new MatValue[fieldCount];
            var prefix = count == 1 ? path : $"{path}({k + 1})";
            for (int f = 0; f < fieldCount; f++)
            {
                values[f] = ReadNested(content, $"{prefix}.{names[f]}", depth + 1);
            }
            elements.Add(new MatStructElement(names, index, values));
        }
        return new MatStruct(header.Dims, names, elements);
    }

    private string DecodeUtf16(byte[] bytes, string where)
    {
        if (bytes.Length % 2 != 0)
        {
            throw new FormatReadException(_fileName, $"{where}: UTF-16 characters take an odd number of bytes ({bytes.Length}).");
        }
        var units = new char[bytes.Length / 2];
        for (int i = 0; i < units.Length; i++)
        {
            units[i] = (char)(_littleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i)) : BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2 * i)));
        }
        return new string(units);
    }

    private string DecodeUtf32(byte[] bytes, string where)
    {
        if (bytes.Length % 4 != 0)
        {
            throw new FormatReadException(_fileName, $"{where}: UTF-32 characters take {bytes.Length} bytes, not a multiple of 4.");
        }
        var points = new uint[bytes.Length / 4];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = U32(bytes.AsSpan(4 * i));
        }
        return MatShared.FromCodePoints(points);
    }

    private sealed record Element(int Type, long Length, bool Small, Stream Data);

    private sealed record Metadata(int Type, byte[] Bytes);

    /// <summary>Reads a sub-element's tag; its data is then read from <see cref="Element.Data"/>.</summary>
    private Element ReadTag(BoundedStream parent, string what)
    {
        Span<byte> tag = stackalloc byte[8];
        if (parent.Remaining < 8)
        {
            throw new FormatReadException(_fileName, $"{what}: the enclosing element ends ({parent.Remaining} bytes left) where a data element tag was expected.");
        }
        StreamReading.ReadExactly(parent, tag, _fileName, what);
        uint first = U32(tag);
        if ((first >> 16) != 0)
        {
            int smallLength = (int)(first >> 16);
            if (smallLength > 4)
            {
                throw new FormatReadException(_fileName, $"{what}: a small data element claims {smallLength} bytes; at most 4 fit.");
            }
            return new Element((int)(first & 0xFFFF), smallLength, true, new MemoryStream(tag[4..(4 + smallLength)].ToArray(), writable: false));
        }
        long length = U32(tag[4..]);
        if (length > parent.Remaining)
        {
            throw new FormatReadException(_fileName, $"{what}: data element of type {first} ({TypeName((int)first)}) declares {length:N0} bytes but its enclosing element has only {parent.Remaining:N0} left.");
        }
        return new Element((int)first, length, false, new BoundedStream(parent, length));
    }

    /// <summary>Skips what was not read of an element and the padding to the next 8-byte boundary.</summary>
    private void Finish(BoundedStream parent, Element element, string what)
    {
        if (element.Small)
        {
            return;
        }
        ((BoundedStream)element.Data).SkipRest(_fileName, what);
        long padding = (8 - (element.Length % 8)) % 8;
        // The last sub-element of a matrix may omit its padding (some writers do); never read past the parent.
        StreamReading.Skip(parent, Math.Min(padding, parent.Remaining), _fileName, what);
    }

    private Metadata ReadMetadata(BoundedStream parent, string what, int maxBytes)
    {
        var element = ReadTag(parent, what);
        if (element.Length > maxBytes)
        {
            throw new FormatReadException(_fileName, $"{what}: {element.Length:N0} bytes, more than the {maxBytes:N0} such an element can sensibly hold.");
        }
        var bytes = new byte[element.Length];
        StreamReading.ReadExactly(element.Data, bytes, _fileName, what);
        Finish(parent, element, what);
        return new Metadata(element.Type, bytes);
    }

    private string ReadText(BoundedStream parent, string what)
    {
        var element = ReadMetadata(parent, what, MaxNameBytes);
        if (element.Type is not (MiInt8 or MiUInt8 or MiUtf8))
        {
            throw new FormatReadException(_fileName, $"{what}: expected miINT8 text, found {TypeName(element.Type)}.");
        }
        var bytes = element.Bytes.AsSpan();
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private static NumericType? StoredType(int miType) => miType switch
    {
        MiInt8 => NumericType.Int8,
        MiUInt8 => NumericType.UInt8,
        MiInt16 => NumericType.Int16,
        MiUInt16 => NumericType.UInt16,
        MiInt32 => NumericType.Int32,
        MiUInt32 => NumericType.UInt32,
        MiSingle => NumericType.Float32,
        MiDouble => NumericType.Float64,
        MiInt64 => NumericType.Int64,
        MiUInt64 => NumericType.UInt64,
        _ => null,
    };

    private static string TypeName(int miType) => miType switch
    {
        MiInt8 => "miINT8",
        MiUInt8 => "miUINT8",
        MiInt16 => "miINT16",
        MiUInt16 => "miUINT16",
        MiInt32 => "miINT32",
        MiUInt32 => "miUINT32",
        MiSingle => "miSINGLE",
        MiDouble => "miDOUBLE",
        MiInt64 => "miINT64",
        MiUInt64 => "miUINT64",
        MiMatrix => "miMATRIX",
        MiCompressed => "miCOMPRESSED",
        MiUtf8 => "miUTF8",
        MiUtf16 => "miUTF16",
        MiUtf32 => "miUTF32",
        _ => "unknown type",
    };

    private uint U32(ReadOnlySpan<byte> bytes) =>
        _littleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
}
