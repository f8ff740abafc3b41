namespace NeuroLab.Formats;

/// <summary>Element types the readers produce. Complex types store (real, imaginary) pairs.</summary>
public enum NumericType
{
    Bool,
    UInt8,
    Int8,
    UInt16,
    Int16,
    UInt32,
    Int32,
    UInt64,
    Int64,
    Float32,
    Float64,
    /// <summary>Pairs of float32 (real, imaginary); the data array is float[] of twice the element count.</summary>
    Complex64,
    /// <summary>Pairs of float64 (real, imaginary); the data array is double[] of twice the element count.</summary>
    Complex128,
}

/// <summary>Sizes and CLR types of <see cref="NumericType"/> values.</summary>
public static class NumericTypes
{
    /// <summary>Bytes per element (a complex element counts both parts).</summary>
    public static int SizeOf(NumericType type) => type switch
    {
        NumericType.Bool or NumericType.UInt8 or NumericType.Int8 => 1,
        NumericType.UInt16 or NumericType.Int16 => 2,
        NumericType.UInt32 or NumericType.Int32 or NumericType.Float32 => 4,
        NumericType.UInt64 or NumericType.Int64 or NumericType.Float64 or NumericType.Complex64 => 8,
        NumericType.Complex128 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The CLR element type of the backing array (float for Complex64, double for Complex128).</summary>
    public static Type ClrType(NumericType type) => type switch
    {
        NumericType.Bool => typeof(bool),
        NumericType.UInt8 => typeof(byte),
        NumericType.Int8 => typeof(sbyte),
        NumericType.UInt16 => typeof(ushort),
        NumericType.Int16 => typeof(short),
        NumericType.UInt32 => typeof(uint),
        NumericType.Int32 => typeof(int),
        NumericType.UInt64 => typeof(ulong),
        NumericType.Int64 => typeof(long),
        NumericType.Float32 or NumericType.Complex64 => typeof(float),
        NumericType.Float64 or NumericType.Complex128 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>True for the two complex types.</summary>
    public static bool IsComplex(NumericType type) => type is NumericType.Complex64 or NumericType.Complex128;

    /// <summary>NumPy-style name ("float32", "int16", ...), used in metadata and messages.</summary>
    public static string Name(NumericType type) => type switch
    {
        NumericType.Bool => "bool",
        NumericType.UInt8 => "uint8",
        NumericType.Int8 => "int8",
        NumericType.UInt16 => "uint16",
        NumericType.Int16 => "int16",
        NumericType.UInt32 => "uint32",
        NumericType.Int32 => "int32",
        NumericType.UInt64 => "uint64",
        NumericType.Int64 => "int64",
        NumericType.Float32 => "float32",
        NumericType.Float64 => "float64",
        NumericType.Complex64 => "complex64",
        NumericType.Complex128 => "complex128",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
