namespace NeuroLab.Formats.Numpy;

/// <summary>
/// The header of a NumPy <c>.npy</c> file (format versions 1.0, 2.0, 3.0; see
/// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): what the stored array is,
/// before any data is read.
/// </summary>
public sealed record NpyHeader
{
    /// <summary>Format major version: 1, 2 or 3 (3.0 = UTF-8 header text; 2.0/3.0 = 4-byte header length).</summary>
    public required int MajorVersion { get; init; }

    /// <summary>Format minor version (always 0 for the versions NumPy defines).</summary>
    public required int MinorVersion { get; init; }

    /// <summary>The dtype descriptor as stored, e.g. "&lt;f8", "&gt;i2", "|b1".</summary>
    public required string Descr { get; init; }

    /// <summary>True when the data are stored column-major (NumPy <c>fortran_order</c>).</summary>
    public required bool FortranOrder { get; init; }

    /// <summary>Dimensions; empty for a 0-d (scalar) array.</summary>
    public required IReadOnlyList<long> Shape { get; init; }

    /// <summary>
    /// Element type of the array the reader returns. Equal to the stored type except for half floats
    /// ("f2"), which are widened to <see cref="NumericType.Float32"/> (exactly: every float16 value is a
    /// float32 value); <see cref="StoredAsFloat16"/> says when that happened.
    /// </summary>
    public required NumericType Type { get; init; }

    /// <summary>True when the file stores IEEE half-precision floats ("f2"), widened to float32 on reading.</summary>
    public required bool StoredAsFloat16 { get; init; }

    /// <summary>Byte order of the stored data (true for "&lt;", "|" and "=" on little-endian machines).</summary>
    public required bool LittleEndian { get; init; }

    /// <summary>Bytes per stored element (a complex element counts both parts; 2 for "f2").</summary>
    public required int StoredElementSize { get; init; }

    /// <summary>Offset of the first data byte from the start of the .npy data (magic included).</summary>
    public required long DataOffset { get; init; }

    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long Length => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Bytes of stored data that follow the header.</summary>
    public long DataBytes => Length * StoredElementSize;
}
