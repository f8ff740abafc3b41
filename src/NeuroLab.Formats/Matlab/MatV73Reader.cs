using System.Runtime.InteropServices;
using System.Text;
using PureHDF;
using PureHDF.VOL.Native;

namespace NeuroLab.Formats.Matlab;

/// <summary>
/// Reads a MATLAB -v7.3 MAT-file: an HDF5 file (read with PureHDF) behind a 512-byte user block that
/// holds the MATLAB header. MATLAB's layout (documented by MathWorks only in outline; matio's mat73.c
/// is the reference implementation followed here):
/// <list type="bullet">
/// <item>every variable is a root dataset or group with a MATLAB_class attribute ("double", "char",
/// "logical", "cell", "struct", ...);</item>
/// <item>arrays are stored transposed: the HDF5 dimensions are the MATLAB dimensions reversed, so the
/// HDF5 (row-major) data is the MATLAB (column-major) data;</item>
/// <item>empty arrays are a small dataset holding the MATLAB dimensions, with MATLAB_empty = 1;</item>
/// <item>complex arrays are a compound of "real" and "imag"; char is uint16 (UTF-16 code units);</item>
/// <item>cells are datasets of object references into the "#refs#" group;</item>
/// <item>a scalar struct is a group with one child per field (order in MATLAB_fields); a struct array
/// is a group whose fields are reference datasets (without MATLAB_class) shaped like the array;</item>
/// <item>sparse matrices are groups with MATLAB_sparse; objects, strings and function handles carry
/// MATLAB_object_decode and live in "#subsystem#" - these are reported as unsupported.</item>
/// </list>
/// </summary>
internal sealed class MatV73Reader
{
    private readonly string _fileName;
    private readonly ReadLimits _limits;
    private long _decodedTotal;
    private readonly NativeFile _file;
    private readonly HashSet<NativeObjectReference1> _active = [];
    private int _values;

    private MatV73Reader(string fileName, ReadLimits limits, NativeFile file)
    {
        _fileName = fileName;
        _limits = limits;
        _file = file;
    }

    /// <summary>Reads all variables from a seekable stream whose position 0 is the start of the MAT-file.</summary>
    public static MatFile Read(Stream stream, string fileName, string headerText, ReadLimits limits, bool strict)
    {
        NativeFile file;
        try
        {
            file = H5File.Open(stream, leaveOpen: true);
        }
        catch (Exception e) when (IsLibraryFailure(e))
        {
            throw new FormatReadException(fileName, $"the HDF5 part of this v7.3 MAT-file cannot be opened ({e.GetType().Name}: {e.Message}).", e);
        }
        using (file)
        {
            var reader = new MatV73Reader(fileName, limits, file);
            return reader.ReadVariables(headerText, strict);
        }
    }

    private static bool IsLibraryFailure(Exception e) =>
        e is not (FormatReadException or MatUnsupportedException or OutOfMemoryException or OperationCanceledException);

    private MatFile ReadVariables(string headerText, bool strict)
    {
        var variables = new OrderedDictionary<string, MatValue>(StringComparer.Ordinal);
        var unsupported = new List<MatUnsupportedVariable>();
        var globals = new List<string>();
        List<IH5Object> children;
        try
        {
            children = [.. _file.Children()];
        }
        catch (Exception e) when (IsLibraryFailure(e))
        {
            throw new FormatReadException(_fileName, $"the HDF5 root group cannot be listed ({e.GetType().Name}: {e.Message}).", e);
        }
        // Link-name order, as h5py lists them; MATLAB's bookkeeping groups start with '#'.
        foreach (var child in children.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var name = child.Name;
            if (name.StartsWith('#'))
            {
                continue;
            }
            try
            {
                if (child is IH5UnresolvedLink link)
                {
                    throw new MatUnsupportedException(name, $"the HDF5 link cannot be resolved ({link.Reason?.Message})");
                }
                variables[name] = ReadValue(child, name, 1);
                if (IntegerAttribute(child, "MATLAB_global") is > 0)
                {
                    globals.Add(name);
                }
            }
            catch (MatUnsupportedException e)
            {
                var reason = $"{MatShared.Describe(e.Path)}: {e.Reason}";
                if (strict)
                {
                    throw new FormatReadException(_fileName, MatShared.StrictMessage(reason));
                }
                unsupported.Add(new MatUnsupportedVariable(name, reason));
            }
            catch (Exception e) when (IsLibraryFailure(e))
            {
                throw new FormatReadException(_fileName, $"{MatShared.Describe(name)}: the HDF5 data is corrupt or uses a feature that cannot be read ({e.GetType().Name}: {e.Message}).", e);
            }
        }
        return new MatFile(headerText, 73, false, new System.Collections.ObjectModel.ReadOnlyDictionary<string, MatValue>(variables), unsupported, globals, []);
    }

    private MatValue ReadValue(IH5Object obj, string path, int depth)
    {
        if (depth > MatShared.MaxDepth)
        {
            throw new FormatReadException(_fileName, $"{MatShared.Describe(path)}: cells and structs nested deeper than {MatShared.MaxDepth} levels.");
        }
        // Also bounds the work of shared references (each value is one HDF5 lookup).
        if (++_values > MatShared.MaxValues)
        {
            throw new FormatReadException(_fileName, $"{MatShared.Describe(path)}: more than {MatShared.MaxValues:N0} values in cells and structs in one file.");
        }
        var className = StringAttribute(obj, "MATLAB_class", path);
        if (obj is IH5Group group)
        {
            if (obj.AttributeExists("MATLAB_sparse"))
            {
                throw new MatUnsupportedException(path, "sparse matrices are not supported");
            }
            if (className is null or "struct")
            {
                return ReadStruct(group, path, depth);
            }
            throw new MatUnsupportedException(path, $"MATLAB objects of class '{className}' are not supported");
        }
        if (obj is not IH5Dataset dataset)
        {
            throw new MatUnsupportedException(path, $"the HDF5 object is a {obj.GetType().Name}, not a dataset or group");
        }
        if (obj.AttributeExists("MATLAB_object_decode"))
        {
            throw new MatUnsupportedException(path, className == "function_handle"
                ? "function handles are not supported"
                : $"MATLAB objects of class '{className}' (e.g. string, table, datetime) are not supported");
        }
        if (IntegerAttribute(obj, "MATLAB_empty") is > 0)
        {
            return ReadEmpty(dataset, className, path);
        }
        var type = dataset.Type;
        className ??= type.Class == H5DataTypeClass.Reference ? "cell" : InferClass(type);
        return className switch
        {
            "cell" => ReadCell(dataset, path, depth),
            "char" => ReadChar(dataset, path),
            "struct" => throw new FormatReadException(_fileName, $"{MatShared.Describe(path)}: a struct stored as a dataset must be empty (MATLAB_empty)."),
            _ when MatShared.NumericTypeOfClass(className) is { } partType => ReadNumeric(dataset, className, partType, path),
            _ => throw new MatUnsupportedException(path, $"MATLAB class '{className}' is not supported"),
        };
    }

    private MatNumeric ReadNumeric(IH5Dataset dataset, string className, NumericType partType, string path)
    {
        var where = MatShared.Describe(path);
        var shape = Shape(dataset, where);
        var type = dataset.Type;
        if (type.Class == H5DataTypeClass.Compound)
        {
            return ReadComplex(dataset, className, partType, shape, where);
        }
        var stored = StoredType(type)
            ?? throw new FormatReadException(_fileName, $"{where}: HDF5 type {type.Class} of {type.Size} bytes cannot hold MATLAB class '{className}'.");
        long count = _limits.Check(_fileName, shape, partType, where);
        _limits.Check(_fileName, shape, stored, where);
        _limits.AddToTotal(_fileName, ref _decodedTotal, count, NumericTypes.SizeOf(stored) > NumericTypes.SizeOf(partType) ? stored : partType, where);
        var values = ReadArray(dataset, stored);
        if (values.Length != count)
        {
            throw new FormatReadException(_fileName, $"{where}: {values.Length:N0} values read for dimensions {string.Join("x", shape)}.");
        }
        Array data;
        try
        {
            data = MatShared.Convert(values, partType);
        }
        catch (OverflowException)
        {
            throw new FormatReadException(_fileName, $"{where}: values stored as {NumericTypes.Name(stored)} do not fit class '{className}'.");
        }
        return new MatNumeric(new NumericArray(partType, shape, data, ArrayOrder.Fortran), className, partType == NumericType.Bool);
    }

    private MatNumeric ReadComplex(IH5Dataset dataset, string className, NumericType partType, long[] shape, string where)
    {
        var type = dataset.Type;
        var members = type.Compound.Members;
        var real = members.FirstOrDefault(m => m.Name == "real");
        var imag = members.FirstOrDefault(m => m.Name == "imag");
        if (members.Length != 2 || real is null || imag is null)
        {
            throw new FormatReadException(_fileName, $"{where}: a compound type must have members 'real' and 'imag' (MATLAB's complex layout), found {string.Join(", ", members.Select(m => m.Name))}.");
        }
        var realType = StoredType(real.Type);
        var imagType = StoredType(imag.Type);
        if (realType is null || realType != imagType || real.Offset < 0 || imag.Offset < 0
            || real.Offset + real.Type.Size > type.Size || imag.Offset + imag.Type.Size > type.Size)
        {
            throw new FormatReadException(_fileName, $"{where}: the real and imaginary parts must be one numeric type inside the {type.Size}-byte compound.");
        }
        var complexType = MatShared.ComplexTypeOf(partType == NumericType.Bool ? NumericType.Float64 : partType);
        long count = _limits.Check(_fileName, shape, complexType, where);
        _limits.AddToTotal(_fileName, ref _decodedTotal, count, complexType, where);
        if (count > 0 && count > _limits.MaxArrayBytes / type.Size)
        {
            throw new FormatReadException(_fileName, $"{where}: {count:N0} complex values of {type.Size} bytes are over the limit of {_limits.MaxArrayBytes / (1 << 20):N0} MiB.");
        }
        var raw = ReadAll<byte[]>(dataset);
        if (raw.LongLength != count * type.Size)
        {
            throw new FormatReadException(_fileName, $"{where}: {raw.LongLength:N0} bytes read for {count:N0} complex values.");
        }
        // PureHDF hands compound data over as stored; MATLAB writes little-endian.
        var re = DecodeMember(raw, type.Size, real.Offset, realType.Value, (int)count);
        var im = DecodeMember(raw, type.Size, imag.Offset, realType.Value, (int)count);
        Array data;
        try
        {
            data = MatShared.Interleave(re, im, complexType);
        }
        catch (OverflowException)
        {
            throw new FormatReadException(_fileName, $"{where}: complex values do not fit class '{className}'.");
        }
        return new MatNumeric(new NumericArray(complexType, shape, data, ArrayOrder.Fortran), className, false);
    }

    private MatChar ReadChar(IH5Dataset dataset, string path)
    {
        var where = MatShared.Describe(path);
        var shape = Shape(dataset, where);
        var stored = StoredType(dataset.Type);
        long count = _limits.Check(_fileName, shape, NumericType.UInt16, where);
        _limits.AddToTotal(_fileName, ref _decodedTotal, count, NumericType.UInt16, where);
        if (stored is null || stored is NumericType.Float32 or NumericType.Float64 or NumericType.Int64 or NumericType.UInt64)
        {
            throw new FormatReadException(_fileName, $"{where}: characters stored as HDF5 {dataset.Type.Class} of {dataset.Type.Size} bytes; expected uint16 code units.");
        }
        _limits.Check(_fileName, shape, stored.Value, where);
        string text = ReadArray(dataset, stored.Value) switch
        {
            ushort[] u => new string(MemoryMarshal.Cast<ushort, char>(u)),
            short[] u => new string(MemoryMarshal.Cast<short, char>(u)),
            byte[] b => Encoding.Latin1.GetString(b),
            sbyte[] b => Encoding.Latin1.GetString(MemoryMarshal.AsBytes(b.AsSpan())),
            uint[] u => MatShared.FromCodePoints(u),
            int[] u => MatShared.FromCodePoints(MemoryMarshal.Cast<int, uint>(u)),
            _ => throw new InvalidOperationException("Unexpected character storage."),
        };
        if (text.Length != count)
        {
            throw new FormatReadException(_fileName, $"{where}: {text.Length:N0} characters but the dimensions {string.Join("x", shape)} need {count:N0}.");
        }
        return new MatChar(shape, MatShared.CharRows(text, shape, _limits, _fileName, where));
    }

    private MatCell ReadCell(IH5Dataset dataset, string path, int depth)
    {
        var where = MatShared.Describe(path);
        if (dataset.Type.Class != H5DataTypeClass.Reference)
        {
            throw new FormatReadException(_fileName, $"{where}: a cell array must be a dataset of object references, found HDF5 {dataset.Type.Class}.");
        }
        var shape = Shape(dataset, where);
        long count = _limits.Check(_fileName, shape, NumericType.Int64, where + " (cell array)");
        var references = ReadAll<NativeObjectReference1[]>(dataset);
        if (references.LongLength != count)
        {
            throw new FormatReadException(_fileName, $"{where}: {references.LongLength:N0} references read for dimensions {string.Join("x", shape)}.");
        }
        var items = new List<MatValue>(references.Length);
        for (int k = 0; k < references.Length; k++)
        {
            items.Add(ReadReference(references[k], $"{path}{{{k + 1}}}", depth + 1));
        }
        return new MatCell(shape, items);
    }

    private MatStruct ReadStruct(IH5Group group, string path, int depth)
    {
        var where = MatShared.Describe(path);
        var names = FieldNames(group, where);
        var index = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        for (int f = 0; f < names.Count; f++)
        {
            if (!index.TryAdd(names[f], f))
            {
                throw new FormatReadException(_fileName, $"{where}: field name '{names[f]}' appears twice.");
            }
        }
        var fields = new IH5Object[names.Count];
        for (int f = 0; f < names.Count; f++)
        {
            if (!group.LinkExists(names[f]))
            {
                throw new FormatReadException(_fileName, $"{where}: field '{names[f]}' is listed in MATLAB_fields but has no dataset or group.");
            }
            fields[f] = group.Get(names[f]);
        }
        // A struct array stores each field as references shaped like the array, without MATLAB_class
        // (a scalar struct's cell field is also references, but marked "cell").
        bool isArray = fields.Length > 0 && fields[0] is IH5Dataset first
            && first.Type.Class == H5DataTypeClass.Reference && !first.AttributeExists("MATLAB_class");
        if (!isArray)
        {
            var values = new MatValue[names.Count];
            for (int f = 0; f < names.Count; f++)
            {
                values[f] = ReadValue(fields[f], $"{path}.{names[f]}", depth + 1);
            }
            return new MatStruct([1, 1], names, [new MatStructElement(names, index, values)]);
        }
        var shape = Shape((IH5Dataset)fields[0], where);
        long count = _limits.Check(_fileName, shape, NumericType.Int64, where + " (struct array)");
        var references = new NativeObjectReference1[names.Count][];
        for (int f = 0; f < names.Count; f++)
        {
            if (fields[f] is not IH5Dataset field || field.Type.Class != H5DataTypeClass.Reference
                || !Shape(field, where).SequenceEqual(shape))
            {
                throw new FormatReadException(_fileName, $"{where}: field '{names[f]}' of a {string.Join("x", shape)} struct array must be references of the same shape.");
            }
            references[f] = ReadAll<NativeObjectReference1[]>(field);
            if (references[f].LongLength != count)
            {
                throw new FormatReadException(_fileName, $"{where}: field '{names[f]}' holds {references[f].LongLength:N0} references for {count:N0} elements.");
            }
        }
        var elements = new List<IReadOnlyDictionary<string, MatValue>>((int)count);
        for (int k = 0; k < count; k++)
        {
            var values = new MatValue[names.Count];
            for (int f = 0; f < names.Count; f++)
            {
                values[f] = ReadReference(references[f][k], $"{path}({k + 1}).{names[f]}", depth + 1);
            }
            elements.Add(new MatStructElement(names, index, values));
        }
        return new MatStruct(shape, names, elements);
    }

    private MatValue ReadReference(NativeObjectReference1 reference, string path, int depth)
    {
        if (!_active.Add(reference))
        {
            throw new FormatReadException(_fileName, $"{MatShared.Describe(path)}: the reference points back to a value that contains it (a reference cycle).");
        }
        try
        {
            IH5Object target;
            try
            {
                target = _file.Get(reference);
            }
            catch (Exception e) when (IsLibraryFailure(e))
            {
                throw new FormatReadException(_fileName, $"{MatShared.Describe(path)}: the object reference cannot be followed ({e.GetType().Name}: {e.Message}).", e);
            }
            return ReadValue(target, path, depth);
        }
        finally
        {
            _active.Remove(reference);
        }
    }

    private MatValue ReadEmpty(IH5Dataset dataset, string? className, string path)
    {
        var where = MatShared.Describe(path);
        var stored = StoredType(dataset.Type);
        var holder = Shape(dataset, where);
        long rank = holder.Aggregate(1L, (a, b) => a * b);
        if (stored is null || stored is NumericType.Float32 or NumericType.Float64 || rank > _limits.MaxRank)
        {
            throw new FormatReadException(_fileName, $"{where}: an empty array (MATLAB_empty) must hold its dimensions as at most {_limits.MaxRank} integers.");
        }
        var dims = (long[])MatShared.Convert(ReadArray(dataset, stored.Value), NumericType.Int64);
        var shape = dims.Length >= 2 ? dims : [.. dims, .. Enumerable.Repeat(1L, 2 - dims.Length)];
        if (shape.Any(d => d < 0) || !shape.Contains(0))
        {
            throw new FormatReadException(_fileName, $"{where}: MATLAB_empty marks the array empty but its dimensions are [{string.Join(", ", shape)}].");
        }
        switch (className)
        {
            case "char":
                return new MatChar(shape, MatShared.CharRows("", shape, _limits, _fileName, where));
            case "cell":
                return new MatCell(shape, []);
            case "struct":
                return new MatStruct(shape, FieldNamesOrEmpty(dataset), []);
            case "canonical empty":
                // MATLAB's shared placeholder for [] (usually "#refs#/a"): an empty double.
                return new MatNumeric(new NumericArray(NumericType.Float64, shape, Array.Empty<double>(), ArrayOrder.Fortran), "double", false);
            default:
                var type = className is null ? NumericType.Float64 : MatShared.NumericTypeOfClass(className)
                    ?? throw new MatUnsupportedException(path, $"MATLAB class '{className}' is not supported");
                return new MatNumeric(new NumericArray(type, shape, Array.CreateInstance(NumericTypes.ClrType(type), 0), ArrayOrder.Fortran), className ?? "double", type == NumericType.Bool);
        }
    }

    private List<string> FieldNames(IH5Group group, string where)
    {
        if (group.AttributeExists("MATLAB_fields"))
        {
            string[][] parts;
            try
            {
                parts = group.Attribute("MATLAB_fields").Read<string[][]>();
            }
            catch (Exception e) when (IsLibraryFailure(e))
            {
                throw new FormatReadException(_fileName, $"{where}: MATLAB_fields cannot be read as field names ({e.Message}).", e);
            }
            return [.. parts.Select(p => string.Concat(p))];
        }
        // Without MATLAB_fields (other writers) the fields are the children, in link-name order.
        return [.. group.Children().Select(c => c.Name).Where(n => !n.StartsWith('#')).Order(StringComparer.Ordinal)];
    }

    private static List<string> FieldNamesOrEmpty(IH5Object obj)
    {
        if (!obj.AttributeExists("MATLAB_fields"))
        {
            return [];
        }
        return [.. obj.Attribute("MATLAB_fields").Read<string[][]>().Select(p => string.Concat(p))];
    }

    /// <summary>The MATLAB shape: HDF5 dimensions reversed, at least two (MATLAB has no 0-d or 1-d arrays).</summary>
    private long[] Shape(IH5Dataset dataset, string where)
    {
        var space = dataset.Space;
        if (space.Type == H5DataspaceType.Null)
        {
            return [0, 0];
        }
        var dims = space.Type == H5DataspaceType.Scalar ? [] : space.Dimensions;
        if (dims.Length > _limits.MaxRank)
        {
            throw new FormatReadException(_fileName, $"{where}: {dims.Length} dimensions; at most {_limits.MaxRank} are supported.");
        }
        var shape = new List<long>(Math.Max(2, dims.Length));
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            if (dims[d] > long.MaxValue)
            {
                throw new FormatReadException(_fileName, $"{where}: dimension {dims[d]} is too large.");
            }
            shape.Add((long)dims[d]);
        }
        while (shape.Count < 2)
        {
            shape.Add(1);
        }
        return [.. shape];
    }

    private Array ReadArray(IH5Dataset dataset, NumericType stored) => stored switch
    {
        NumericType.Float64 => ReadAll<double[]>(dataset),
        NumericType.Float32 => ReadAll<float[]>(dataset),
        NumericType.Int8 => ReadAll<sbyte[]>(dataset),
        NumericType.UInt8 => ReadAll<byte[]>(dataset),
        NumericType.Int16 => ReadAll<short[]>(dataset),
        NumericType.UInt16 => ReadAll<ushort[]>(dataset),
        NumericType.Int32 => ReadAll<int[]>(dataset),
        NumericType.UInt32 => ReadAll<uint[]>(dataset),
        NumericType.Int64 => ReadAll<long[]>(dataset),
        NumericType.UInt64 => ReadAll<ulong[]>(dataset),
        _ => throw new ArgumentOutOfRangeException(nameof(stored), stored, null),
    };

    /// <summary>
    /// Reads a whole dataset. For chunked (typically deflate-compressed, as MATLAB writes -v7.3) data the
    /// chunk cache must hold one slab of chunks across the fast dimensions: PureHDF fills the result row
    /// by row, and with its small default cache it decompresses each chunk once per row it touches
    /// (measured: 48 s instead of 0.6 s for a 15000x1000 single array in 469x32 chunks).
    /// </summary>
    private T ReadAll<T>(IH5Dataset dataset)
    {
        if (dataset is NativeDataset native && native.Layout.Class == H5DataLayoutClass.Chunked
            && native.Layout.Chunks is { Length: > 0 } chunks && native.Space.Type == H5DataspaceType.Simple)
        {
            var dims = native.Space.Dimensions;
            int rank = Math.Min(dims.Length, chunks.Length);
            double slabChunks = 1;
            double slabBytes = Math.Max(1, native.Type.Size);
            for (int d = 0; d < rank; d++)
            {
                double chunk = Math.Max(1, (double)chunks[d]);
                if (d > 0)
                {
                    slabChunks *= Math.Ceiling(dims[d] / chunk);
                }
                slabBytes *= d == 0 ? chunk : Math.Ceiling(dims[d] / chunk) * chunk;
            }
            // Two slabs, at least HDF5's default 1 MiB, at most the array limit (the result is that big anyway).
            long bytes = (long)Math.Clamp(2 * slabBytes, 1 << 20, Math.Max(1 << 20, _limits.MaxArrayBytes));
            int slots = (int)Math.Clamp((2 * slabChunks) + 16, 521, 1 << 20);
            return native.Read<T>(new H5DatasetAccess(ChunkCache: new SimpleReadingChunkCache(slots, (ulong)bytes)));
        }
        return dataset.Read<T>();
    }

    private static NumericType? StoredType(IH5DataType type) => type.Class switch
    {
        H5DataTypeClass.FixedPoint => (type.Size, type.FixedPoint.IsSigned) switch
        {
            (1, true) => NumericType.Int8,
            (1, false) => NumericType.UInt8,
            (2, true) => NumericType.Int16,
            (2, false) => NumericType.UInt16,
            (4, true) => NumericType.Int32,
            (4, false) => NumericType.UInt32,
            (8, true) => NumericType.Int64,
            (8, false) => NumericType.UInt64,
            _ => null,
        },
        H5DataTypeClass.FloatingPoint => type.Size switch
        {
            4 => NumericType.Float32,
            8 => NumericType.Float64,
            _ => null,
        },
        _ => null,
    };

    private static string InferClass(IH5DataType type) => StoredType(type) switch
    {
        NumericType.Float64 => "double",
        NumericType.Float32 => "single",
        { } t => NumericTypes.Name(t),
        null => type.Class == H5DataTypeClass.Compound ? "double" : $"(HDF5 {type.Class})",
    };

    private static Array DecodeMember(byte[] raw, int stride, int offset, NumericType type, int count)
    {
        var result = Array.CreateInstance(NumericTypes.ClrType(type), count);
        int size = NumericTypes.SizeOf(type);
        var target = new NumericArray(type, [count], result).AsBytesSpan();
        for (int i = 0; i < count; i++)
        {
            raw.AsSpan((i * stride) + offset, size).CopyTo(target.Slice(i * size, size));
        }
        if (!BitConverter.IsLittleEndian)
        {
            StreamReading.ReverseEndianness(target, size);
        }
        return result;
    }

    private string? StringAttribute(IH5Object obj, string name, string path)
    {
        if (!obj.AttributeExists(name))
        {
            return null;
        }
        var attribute = obj.Attribute(name);
        if (attribute.Type.Class != H5DataTypeClass.String)
        {
            throw new FormatReadException(_fileName, $"{MatShared.Describe(path)}: attribute {name} is HDF5 {attribute.Type.Class}, not text.");
        }
        return attribute.Read<string>().TrimEnd('\0', ' ');
    }

    private static long? IntegerAttribute(IH5Object obj, string name)
    {
        if (!obj.AttributeExists(name))
        {
            return null;
        }
        var attribute = obj.Attribute(name);
        var type = attribute.Type;
        if (type.Class != H5DataTypeClass.FixedPoint)
        {
            return null;
        }
        return (type.Size, type.FixedPoint.IsSigned) switch
        {
            (1, false) => attribute.Read<byte>(),
            (1, true) => attribute.Read<sbyte>(),
            (2, false) => attribute.Read<ushort>(),
            (2, true) => attribute.Read<short>(),
            (4, false) => attribute.Read<uint>(),
            (4, true) => attribute.Read<int>(),
            (8, false) => (long)Math.Min(attribute.Read<ulong>(), long.MaxValue),
            (8, true) => attribute.Read<long>(),
            _ => null,
        };
    }
}
