using System.Runtime.InteropServices;

namespace NeuroLab.Formats;

/// <summary>Memory order of a <see cref="NumericArray"/>'s elements.</summary>
public enum ArrayOrder
{
    /// <summary>Row-major: the last index varies fastest (NumPy default, C).</summary>
    C,

    /// <summary>Column-major: the first index varies fastest (NIfTI voxels, MATLAB, NumPy fortran_order).</summary>
    Fortran,
}

/// <summary>
/// An n-dimensional array of one numeric type, as read from a file: a flat typed CLR array
/// (<c>float[]</c>, <c>short[]</c>, ...) plus shape and memory order. Readers keep the stored type and
/// order (no silent conversion); <see cref="ToFloat64"/> and friends convert on request.
/// </summary>
public sealed class NumericArray
{
    /// <summary>Wraps <paramref name="data"/>; its CLR element type must match <paramref name="type"/>.</summary>
    public NumericArray(NumericType type, IReadOnlyList<long> shape, Array data, ArrayOrder order = ArrayOrder.C)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (shape.Any(d => d < 0))
        {
            throw new ArgumentException($"Negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
        }
        var expectedClr = NumericTypes.ClrType(type);
        if (data.GetType().GetElementType() != expectedClr || data.Rank != 1)
        {
            throw new ArgumentException($"A {NumericTypes.Name(type)} array needs a 1-D {expectedClr.Name}[], got {data.GetType().Name}.", nameof(data));
        }
        long count = 1;
        foreach (var d in shape)
        {
            count = checked(count * d);
        }
        long stored = NumericTypes.IsComplex(type) ? checked(count * 2) : count;
        if (data.LongLength != stored)
        {
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] needs {stored} values, the data has {data.LongLength}.", nameof(data));
        }
        Type = type;
        Shape = [.. shape];
        Data = data;
        Order = order;
        Length = count;
    }

    public NumericType Type { get; }

    /// <summary>Dimensions; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Flat backing array in <see cref="Order"/>.</summary>
    public Array Data { get; }

    public ArrayOrder Order { get; }

    /// <summary>Number of elements (product of <see cref="Shape"/>).</summary>
    public long Length { get; }

    public int Rank => Shape.Count;

    /// <summary>Shape as text, e.g. "[100, 961]".</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>The backing array as a typed span; <typeparamref name="T"/> must be the CLR element type.</summary>
    public Span<T> AsSpan<T>() where T : struct => ((T[])Data).AsSpan();

    /// <summary>Element <paramref name="flatIndex"/> (in storage order) as double; complex values give their real part.</summary>
    public double GetDouble(long flatIndex) => Type switch
    {
        // Switch on the declared type, not the runtime array type: the CLR treats short[] and ushort[]
        // (and the other same-size signed/unsigned pairs) as compatible, so `Data is ushort[]` is true for a short[].
        NumericType.Bool => ((bool[])Data)[flatIndex] ? 1 : 0,
        NumericType.UInt8 => ((byte[])Data)[flatIndex],
        NumericType.Int8 => ((sbyte[])Data)[flatIndex],
        NumericType.UInt16 => ((ushort[])Data)[flatIndex],
        NumericType.Int16 => ((short[])Data)[flatIndex],
        NumericType.UInt32 => ((uint[])Data)[flatIndex],
        NumericType.Int32 => ((int[])Data)[flatIndex],
        NumericType.UInt64 => ((ulong[])Data)[flatIndex],
        NumericType.Int64 => ((long[])Data)[flatIndex],
        NumericType.Float32 => ((float[])Data)[flatIndex],
        NumericType.Float64 => ((double[])Data)[flatIndex],
        NumericType.Complex64 => ((float[])Data)[flatIndex * 2],
        NumericType.Complex128 => ((double[])Data)[flatIndex * 2],
        _ => throw new InvalidOperationException("Unsupported element type."),
    };

    /// <summary>
    /// Flat index in storage order of the element at <paramref name="index"/> (one entry per dimension).
    /// </summary>
    public long FlatIndex(params long[] index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.Length != Rank)
        {
            throw new ArgumentException($"Expected {Rank} indices, got {index.Length}.", nameof(index));
        }
        long flat = 0;
        if (Order == ArrayOrder.C)
        {
            for (int d = 0; d < Rank; d++)
            {
                CheckIndex(index[d], d);
                flat = flat * Shape[d] + index[d];
            }
        }
        else
        {
            for (int d = Rank - 1; d >= 0; d--)
            {
                CheckIndex(index[d], d);
                flat = flat * Shape[d] + index[d];
            }
        }
        return flat;
    }

    /// <summary>The element at a multi-dimensional index, as double.</summary>
    public double this[params long[] index] => GetDouble(FlatIndex(index));

    /// <summary>All elements converted to double, in storage order (complex: real parts).</summary>
    public double[] ToFloat64()
    {
        if (Data is double[] d && !NumericTypes.IsComplex(Type))
        {
            return (double[])d.Clone();
        }
        var result = new double[Length];
        for (long i = 0; i < Length; i++)
        {
            result[i] = GetDouble(i);
        }
        return result;
    }

    /// <summary>All elements converted to float, in storage order (complex: real parts).</summary>
    public float[] ToFloat32()
    {
        if (Data is float[] f && !NumericTypes.IsComplex(Type))
        {
            return (float[])f.Clone();
        }
        var result = new float[Length];
        for (long i = 0; i < Length; i++)
        {
            result[i] = (float)GetDouble(i);
        }
        return result;
    }

    /// <summary>The same values in C order (copies when the array is Fortran-ordered).</summary>
    public NumericArray ToCOrder()
    {
        if (Order == ArrayOrder.C || Rank <= 1)
        {
            return Order == ArrayOrder.C ? this : new NumericArray(Type, Shape, Data, ArrayOrder.C);
        }
        int elementSize = NumericTypes.SizeOf(Type);
        var source = MemoryMarshal.AsBytes(AsBytesSpan());
        var target = Array.CreateInstance(NumericTypes.ClrType(Type), Data.LongLength);
        var targetBytes = BytesOf(target);
        var shape = Shape.ToArray();
        var index = new long[Rank];
        for (long c = 0; c < Length; c++)
        {
            long f = 0;
            for (int d = Rank - 1; d >= 0; d--)
            {
                f = f * shape[d] + index[d];
            }
            source.Slice((int)(f * elementSize), elementSize).CopyTo(targetBytes.Slice((int)(c * elementSize), elementSize));
            for (int d = Rank - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    break;
                }
                index[d] = 0;
            }
        }
        return new NumericArray(Type, Shape, target, ArrayOrder.C);
    }

    /// <summary>The raw bytes of the backing array (machine byte order).</summary>
    public Span<byte> AsBytesSpan() => BytesOf(Data);

    private static Span<byte> BytesOf(Array array) => array switch
    {
        bool[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        byte[] a => a.AsSpan(),
        sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        ushort[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        short[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        uint[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        int[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        ulong[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        float[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        _ => throw new InvalidOperationException("Unsupported backing array."),
    };

    private void CheckIndex(long i, int dim)
    {
        if (i < 0 || i >= Shape[dim])
        {
            throw new IndexOutOfRangeException($"Index {i} is outside dimension {dim} of size {Shape[dim]}.");
        }
    }
}
