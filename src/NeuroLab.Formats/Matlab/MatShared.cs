using System.Text;

namespace NeuroLab.Formats.Matlab;

/// <summary>
/// Signals a MATLAB class the reader does not decode (sparse, object, function handle, opaque).
/// Caught at the top-level variable: recorded in <see cref="MatFile.Unsupported"/>, or turned into a
/// <see cref="FormatReadException"/> in strict mode. Never escapes <see cref="MatReader"/>.
/// </summary>
internal sealed class MatUnsupportedException(string path, string reason) : Exception(reason)
{
    /// <summary>Where in the variable, e.g. "s(2).spikes{3}".</summary>
    public string Path { get; } = path;

    /// <summary>What is unsupported, e.g. "sparse matrices are not supported".</summary>
    public string Reason { get; } = reason;
}

/// <summary>Helpers shared by the Level 5 and v7.3 readers: class names, conversions, char rows, paths.</summary>
internal static class MatShared
{
    /// <summary>Deepest nesting of cells and structs accepted (MATLAB itself has no limit; files from the wild rarely pass 10).</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Most values (cells, struct fields and their contents) one file may produce. Per-array limits do not
    /// bound a highly compressible file of millions of tiny nested values; this does.
    /// </summary>
    public const int MaxValues = 10_000_000;

    /// <summary>Element type of a numeric MATLAB class name, or null when the name is not numeric.</summary>
    public static NumericType? NumericTypeOfClass(string className) => className switch
    {
        "double" => NumericType.Float64,
        "single" => NumericType.Float32,
        "int8" => NumericType.Int8,
        "uint8" => NumericType.UInt8,
        "int16" => NumericType.Int16,
        "uint16" => NumericType.UInt16,
        "int32" => NumericType.Int32,
        "uint32" => NumericType.UInt32,
        "int64" => NumericType.Int64,
        "uint64" => NumericType.UInt64,
        "logical" => NumericType.Bool,
        _ => null,
    };

    /// <summary>The complex type holding a class's values: single -> complex64, everything else complex128.</summary>
    public static NumericType ComplexTypeOf(NumericType type) => type == NumericType.Float32 ? NumericType.Complex64 : NumericType.Complex128;

    /// <summary>"variable 'x'" or "variable 'x' (at x.a{2})", for messages.</summary>
    public static string Describe(string path)
    {
        int cut = path.IndexOfAny(['.', '(', '{']);
        var root = cut < 0 ? path : path[..cut];
        return cut < 0 ? $"variable '{root}'" : $"variable '{root}' (at {path})";
    }

    /// <summary>The message of the exception strict mode raises for an unsupported variable.</summary>
    public static string StrictMessage(string reason) =>
        $"{reason} (strict mode; by default such variables are skipped and listed in MatFile.Unsupported).";

    /// <summary>The variable name at the start of a path such as "s(2).a{1}".</summary>
    public static string RootOf(string path)
    {
        int cut = path.IndexOfAny(['.', '(', '{']);
        return cut < 0 ? path : path[..cut];
    }

    /// <summary>
    /// Converts stored values to the MATLAB class's element type. MAT-files may store a class in a
    /// smaller type (a double array of small integers as miUINT8); widening is exact. A value that does
    /// not fit the class (only in a malformed file) raises <see cref="OverflowException"/>.
    /// </summary>
    public static Array Convert(Array source, NumericType target)
    {
        var targetClr = NumericTypes.ClrType(target);
        if (source.GetType().GetElementType() == targetClr)
        {
            return source;
        }
        int n = source.Length;
        var asDouble = DoubleGetter(source);
        var asLong = IntegerGetter(source, asDouble);
        switch (target)
        {
            case NumericType.Bool:
                return Fill(new bool[n], i => asDouble(i) != 0);
            case NumericType.Float64:
                return Fill(new double[n], asDouble);
            case NumericType.Float32:
                return Fill(new float[n], i => (float)asDouble(i));
            case NumericType.Int8:
                return Fill(new sbyte[n], i => checked((sbyte)asLong(i)));
            case NumericType.UInt8:
                return Fill(new byte[n], i => checked((byte)asLong(i)));
            case NumericType.Int16:
                return Fill(new short[n], i => checked((short)asLong(i)));
            case NumericType.UInt16:
                return Fill(new ushort[n], i => checked((ushort)asLong(i)));
            case NumericType.Int32:
                return Fill(new int[n], i => checked((int)asLong(i)));
            case NumericType.UInt32:
                return Fill(new uint[n], i => checked((uint)asLong(i)));
            case NumericType.Int64:
                return Fill(new long[n], asLong);
            case NumericType.UInt64:
                return Fill(new ulong[n], UnsignedGetter(source, asDouble));
            default:
                throw new ArgumentOutOfRangeException(nameof(target), target, "Complex targets are assembled from two parts.");
        }
    }

    /// <summary>
    /// Element <paramref name="index"/> of a backing array as double. Dispatches on the exact element
    /// type: the CLR lets an sbyte[] pass as byte[] (and int16/int32/int64 as their unsigned twins), so
    /// type patterns like <c>case byte[]</c> would misread signed arrays.
    /// </summary>
    public static double ElementAsDouble(Array source, int index) => DoubleGetter(source)(index);

    private static T[] Fill<T>(T[] target, Func<int, T> value)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = value(i);
        }
        return target;
    }

    private static Func<int, double> DoubleGetter(Array source)
    {
        switch (Type.GetTypeCode(source.GetType().GetElementType()))
        {
            case TypeCode.Double:
                {
                    var a = (double[])source;
                    return i => a[i];
                }
            case TypeCode.Single:
                {
                    var a = (float[])source;
                    return i => a[i];
                }
            case TypeCode.Byte:
                {
                    var a = (byte[])source;
                    return i => a[i];
                }
            case TypeCode.SByte:
                {
                    var a = (sbyte[])source;
                    return i => a[i];
                }
            case TypeCode.Int16:
                {
                    var a = (short[])source;
                    return i => a[i];
                }
            case TypeCode.UInt16:
                {
                    var a = (ushort[])source;
                    return i => a[i];
                }
            case TypeCode.Int32:
                {
                    var a = (int[])source;
                    return i => a[i];
                }
            case TypeCode.UInt32:
                {
                    var a = (uint[])source;
                    return i => a[i];
                }
            case TypeCode.Int64:
                {
                    var a = (long[])source;
                    return i => a[i];
                }
            case TypeCode.UInt64:
                {
                    var a = (ulong[])source;
                    return i => a[i];
                }
            case TypeCode.Boolean:
                {
                    var a = (bool[])source;
                    return i => a[i] ? 1 : 0;
                }
            default:
                throw new InvalidOperationException("Unsupported backing array " + source.GetType().Name);
        }
    }

    /// <summary>A long getter for 64-bit sources (exact); for others the double getter, checked.</summary>
    private static Func<int, long> IntegerGetter(Array source, Func<int, double> asDouble)
    {
        switch (Type.GetTypeCode(source.GetType().GetElementType()))
        {
            case TypeCode.Int64:
                {
                    var a = (long[])source;
                    return i => a[i];
                }
            case TypeCode.UInt64:
                {
                    var a = (ulong[])source;
                    return i => checked((long)a[i]);
                }
            default:
                return i => checked((long)asDouble(i));
        }
    }

    private static Func<int, ulong> UnsignedGetter(Array source, Func<int, double> asDouble)
    {
        switch (Type.GetTypeCode(source.GetType().GetElementType()))
        {
            case TypeCode.UInt64:
                {
                    var a = (ulong[])source;
                    return i => a[i];
                }
            case TypeCode.Int64:
                {
                    var a = (long[])source;
                    return i => checked((ulong)a[i]);
                }
            default:
                return i => checked((ulong)asDouble(i));
        }
    }

    /// <summary>Interleaves real and imaginary parts (already in the part type) into a complex array's backing store.</summary>
    public static Array Interleave(Array real, Array imag, NumericType complexType)
    {
        int n = real.Length;
        if (complexType == NumericType.Complex64)
        {
            var re = (float[])Convert(real, NumericType.Float32);
            var im = (float[])Convert(imag, NumericType.Float32);
            var r = new float[2 * (long)n];
            for (int i = 0; i < n; i++)
            {
                r[2 * i] = re[i];
                r[(2 * i) + 1] = im[i];
            }
            return r;
        }
        var dre = (double[])Convert(real, NumericType.Float64);
        var dim = (double[])Convert(imag, NumericType.Float64);
        var d = new double[2 * (long)n];
        for (int i = 0; i < n; i++)
        {
            d[2 * i] = dre[i];
            d[(2 * i) + 1] = dim[i];
        }
        return d;
    }

    /// <summary>
    /// Splits column-major character codes of an [M, N, ...] char array into M rows of N*... characters.
    /// </summary>
    public static List<string> CharRows(string columnMajor, IReadOnlyList<long> shape, ReadLimits limits, string fileName, string where)
    {
        var rows = new List<string>();
        long m = shape.Count > 0 ? shape[0] : 1;
        if (m == 0)
        {
            return rows;
        }
        long rest = 1;
        for (int d = 1; d < shape.Count; d++)
        {
            rest *= shape[d];
        }
        if (rest == 0)
        {
            // An Mx0 char array has M empty rows; M is not bounded by the (zero) character count.
            limits.Check(fileName, [m], NumericType.Int64, where + " (rows of an empty char array)");
        }
        if (m == 1)
        {
            rows.Add(columnMajor);
            return rows;
        }
        var builder = new StringBuilder((int)rest);
        for (long i = 0; i < m; i++)
        {
            builder.Clear();
            for (long k = 0; k < rest; k++)
            {
                builder.Append(columnMajor[(int)(i + (m * k))]);
            }
            rows.Add(builder.ToString());
        }
        return rows;
    }

    /// <summary>Text from UTF-32 code points; invalid ones become U+FFFD.</summary>
    public static string FromCodePoints(ReadOnlySpan<uint> codePoints)
    {
        var builder = new StringBuilder(codePoints.Length);
        foreach (var cp in codePoints)
        {
            builder.Append(Rune.TryCreate(cp, out var rune) ? rune.ToString() : "\uFFFD");
        }
        return builder.ToString();
    }
}

/// <summary>One element of a struct array: the struct's field names mapped to this element's values, in field order.</summary>
internal sealed class MatStructElement(IReadOnlyList<string> names, IReadOnlyDictionary<string, int> index, MatValue[] values)
    : IReadOnlyDictionary<string, MatValue>
{
    public MatValue this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No field '{key}'.");

    public IEnumerable<string> Keys => names;

    public IEnumerable<MatValue> Values => values;

    public int Count => values.Length;

    public bool ContainsKey(string key) => index.ContainsKey(key);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out MatValue value)
    {
        if (index.TryGetValue(key, out int i))
        {
            value = values[i];
            return true;
        }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, MatValue>> GetEnumerator()
    {
        for (int i = 0; i < values.Length; i++)
        {
            yield return new KeyValuePair<string, MatValue>(names[i], values[i]);
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
