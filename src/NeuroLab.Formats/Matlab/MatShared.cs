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
        if (source.GetType().GetElementType() == targetClr && target != NumericType.Bool)
        {
            return source;
        }
        int n = source.Length;
        switch (target)
        {
            case NumericType.Bool:
                {
                    var r = new bool[n];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = source is ulong[] u ? u[i] != 0 : source is long[] l ? l[i] != 0 : ValueAt(source, i) != 0;
                    }
                    return r;
                }
            case NumericType.Float64:
                return ToDoubles(source);
            case NumericType.Float32:
                {
                    var r = new float[n];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = (float)ValueAt(source, i);
                    }
                    return r;
                }
            case NumericType.Int8:
                {
                    var r = new sbyte[n];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = checked((sbyte)IntegerAt(source, i));
                    }
                    return r;
                }
            case NumericType.UInt8:
                {
                    var r = new byte[n];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = checked((byte)IntegerAt(source, i));
                    }
                    return r;
                }
            case NumericType.Int16:
                {
                    var r = new short[n];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = checked((short)IntegerAt(source, i));
                    }
                    return r;
                }
            case NumericType.UInt16:
                {
                    var r = new ushort[n];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = checked((ushort)IntegerAt(source, i));
                    }
                    return r;
                }
            case NumericType.Int32:
                {
                    var r = new int[n];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = checked((int)IntegerAt(source, i));
                    }
                    return r;
                }
            case NumericType.UInt32:
                {
                    var r = new uint[n];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = checked((uint)IntegerAt(source, i));
                    }
                    return r;
                }
            case NumericType.Int64:
                {
                    var r = new long[n];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = IntegerAt(source, i);
                    }
                    return r;
                }
            case NumericType.UInt64:
                {
                    var r = new ulong[n];
                    for (int i = 0; i < n; i++)
                    {
                        r[i] = source switch
                        {
                            ulong[] u => u[i],
                            long[] l => checked((ulong)l[i]),
                            _ => checked((ulong)ValueAt(source, i)),
                        };
                    }
                    return r;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(target), target, "Complex targets are assembled from two parts.");
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

    private static double[] ToDoubles(Array source)
    {
        var r = new double[source.Length];
        switch (source)
        {
            case byte[] a:
                for (int i = 0; i < a.Length; i++)
                {
                    r[i] = a[i];
                }
                break;
            case sbyte[] a:
                for (int i = 0; i < a.Length; i++)
                {
                    r[i] = a[i];
                }
                break;
            case short[] a:
                for (int i = 0; i < a.Length; i++)
                {
                    r[i] = a[i];
                }
                break;
            case ushort[] a:
                for (int i = 0; i < a.Length; i++)
                {
                    r[i] = a[i];
                }
                break;
            case int[] a:
                for (int i = 0; i < a.Length; i++)
                {
                    r[i] = a[i];
                }
                break;
            case float[] a:
                for (int i = 0; i < a.Length; i++)
                {
                    r[i] = a[i];
                }
                break;
            default:
                for (int i = 0; i < r.Length; i++)
                {
                    r[i] = ValueAt(source, i);
                }
                break;
        }
        return r;
    }

    private static double ValueAt(Array source, int i) => source switch
    {
        double[] a => a[i],
        float[] a => a[i],
        byte[] a => a[i],
        sbyte[] a => a[i],
        short[] a => a[i],
        ushort[] a => a[i],
        int[] a => a[i],
        uint[] a => a[i],
        long[] a => a[i],
        ulong[] a => a[i],
        bool[] a => a[i] ? 1 : 0,
        _ => throw new InvalidOperationException("Unsupported backing array."),
    };

    private static long IntegerAt(Array source, int i) => source switch
    {
        long[] a => a[i],
        ulong[] a => checked((long)a[i]),
        _ => checked((long)ValueAt(source, i)),
    };
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
