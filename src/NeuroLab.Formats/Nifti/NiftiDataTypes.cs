namespace NeuroLab.Formats.Nifti;

/// <summary>NIfTI datatype codes (nifti1.h DT_*) and their element types.</summary>
public static class NiftiDataTypes
{
    public const short Binary = 1;
    public const short UInt8 = 2;
    public const short Int16 = 4;
    public const short Int32 = 8;
    public const short Float32 = 16;
    public const short Complex64 = 32;
    public const short Float64 = 64;
    public const short Rgb24 = 128;
    public const short Int8 = 256;
    public const short UInt16 = 512;
    public const short UInt32 = 768;
    public const short Int64 = 1024;
    public const short UInt64 = 1280;
    public const short Float128 = 1536;
    public const short Complex128 = 1792;
    public const short Complex256 = 2048;
    public const short Rgba32 = 2304;

    /// <summary>
    /// Element type for a datatype code and the number of components per voxel (3 for RGB24, 4 for RGBA32,
    /// else 1), or null for codes NeuroLab cannot represent.
    /// </summary>
    public static (NumericType Type, int Components)? Resolve(short code) => code switch
    {
        UInt8 => (NumericType.UInt8, 1),
        Int16 => (NumericType.Int16, 1),
        Int32 => (NumericType.Int32, 1),
        Float32 => (NumericType.Float32, 1),
        Complex64 => (NumericType.Complex64, 1),
        Float64 => (NumericType.Float64, 1),
        Rgb24 => (NumericType.UInt8, 3),
        Int8 => (NumericType.Int8, 1),
        UInt16 => (NumericType.UInt16, 1),
        UInt32 => (NumericType.UInt32, 1),
        Int64 => (NumericType.Int64, 1),
        UInt64 => (NumericType.UInt64, 1),
        Complex128 => (NumericType.Complex128, 1),
        Rgba32 => (NumericType.UInt8, 4),
        _ => null,
    };

    /// <summary>The datatype code for writing an element type.</summary>
    public static short CodeFor(NumericType type) => type switch
    {
        NumericType.UInt8 => UInt8,
        NumericType.Int8 => Int8,
        NumericType.UInt16 => UInt16,
        NumericType.Int16 => Int16,
        NumericType.UInt32 => UInt32,
        NumericType.Int32 => Int32,
        NumericType.UInt64 => UInt64,
        NumericType.Int64 => Int64,
        NumericType.Float32 => Float32,
        NumericType.Float64 => Float64,
        NumericType.Complex64 => Complex64,
        NumericType.Complex128 => Complex128,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "NIfTI has no datatype for this element type."),
    };

    /// <summary>A readable name for messages ("DT_FLOAT128 (1536)").</summary>
    public static string Describe(short code) => code switch
    {
        Binary => "DT_BINARY (1)",
        Float128 => "DT_FLOAT128 (1536)",
        Complex256 => "DT_COMPLEX256 (2048)",
        _ => $"code {code}",
    };
}
