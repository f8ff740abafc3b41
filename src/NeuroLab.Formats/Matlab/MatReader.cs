using System.Buffers.Binary;
using System.Text;

namespace NeuroLab.Formats.Matlab;

/// <summary>
/// Reads MATLAB MAT-files into <see cref="MatFile"/>:
/// <list type="bullet">
/// <item>Level 5 (MATLAB -v6, -v7 and scipy.io.savemat), either byte order, with zlib-compressed
/// variables (miCOMPRESSED), per MathWorks "MAT-File Format" (matfile_format.pdf);</item>
/// <item>v7.3 (MATLAB -v7.3), HDF5 behind a 512-byte header, read with PureHDF; see
/// <see cref="MatV73Reader"/> for the layout.</item>
/// </list>
/// Numeric, logical, char, cell and struct arrays are decoded, nested to <see cref="MaxDepth"/> levels.
/// Sparse matrices, objects, function handles and MATLAB's opaque classes (string, table, datetime, ...)
/// are not: by default such a top-level variable is skipped and listed in <see cref="MatFile.Unsupported"/>
/// (with the nested field or cell that made it unsupported), so one odd variable does not hide a file's
/// other data; with <c>strict: true</c> it fails the read instead. MAT v4 files are not supported.
/// Any malformed input raises <see cref="FormatReadException"/>; declared sizes are checked against
/// <see cref="ReadLimits"/> before anything is allocated for them, and one file may hold at most
/// 10 million cells and struct fields in total (a compressed file can otherwise expand into millions
/// of tiny values).
/// </summary>
public static class MatReader
{
    /// <summary>Deepest nesting of cells and structs read; deeper files fail (guards against hostile files).</summary>
    public const int MaxDepth = MatShared.MaxDepth;

    private const int HeaderLength = 128;
    private const int Hdf5Offset = 512;
    private static readonly byte[] _hdf5Signature = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Reads the MAT-file at <paramref name="path"/> (a gzip-wrapped file is unwrapped transparently).</summary>
    /// <param name="path">The .mat file.</param>
    /// <param name="limits">Size limits per array; <see cref="ReadLimits.Default"/> when null.</param>
    /// <param name="strict">Fail on unsupported variables instead of listing them in <see cref="MatFile.Unsupported"/>.</param>
    /// <exception cref="FormatReadException">The file is not a readable MAT-file; the message says why.</exception>
    public static MatFile Read(string path, ReadLimits? limits = null, bool strict = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = StreamReading.OpenMaybeGzip(path);
        return Read(stream, Path.GetFileName(path), limits, strict);
    }

    /// <summary>
    /// Reads a MAT-file from <paramref name="stream"/>, which need not be seekable (a v7.3 file from a
    /// non-seekable stream is first copied to a temporary file, deleted afterwards). The stream is not disposed.
    /// </summary>
    /// <param name="stream">The MAT-file's bytes, from its first byte.</param>
    /// <param name="fileName">Name used in error messages.</param>
    /// <param name="limits">Size limits per array; <see cref="ReadLimits.Default"/> when null.</param>
    /// <param name="strict">Fail on unsupported variables instead of listing them in <see cref="MatFile.Unsupported"/>.</param>
    /// <exception cref="FormatReadException">The data is not a readable MAT-file; the message says why.</exception>
    public static MatFile Read(Stream stream, string fileName, ReadLimits? limits = null, bool strict = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        limits ??= ReadLimits.Default;
        try
        {
            return ReadCore(stream, fileName, limits, strict);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or OverflowException
            or IndexOutOfRangeException or ArgumentException or InvalidCastException or DecoderFallbackException)
        {
            // Parsers validate what they read; this is the backstop for malformed content they missed.
            throw new FormatReadException(fileName, $"malformed MAT-file ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static MatFile ReadCore(Stream stream, string fileName, ReadLimits limits, bool strict)
    {
        long start = stream.CanSeek ? stream.Position : -1;
        var header = new byte[HeaderLength];
        int got;
        try
        {
            got = StreamReading.ReadUpTo(stream, header);
        }
        catch (InvalidDataException e)
        {
            throw new FormatReadException(fileName, $"corrupt gzip data around the MAT-file header ({e.Message}).", e);
        }
        if (got < HeaderLength)
        {
            if (got >= 4 && header.AsSpan(0, 4).Contains((byte)0))
            {
                throw new FormatReadException(fileName, DescribeNonMat(header));
            }
            throw new FormatReadException(fileName, $"file ends early: {got} bytes, but a MAT-file starts with a {HeaderLength}-byte header.");
        }
        bool? littleEndian = (header[126], header[127]) switch
        {
            ((byte)'I', (byte)'M') => true,
            ((byte)'M', (byte)'I') => false,
            _ => null,
        };
        if (littleEndian is null)
        {
            throw new FormatReadException(fileName, DescribeNonMat(header));
        }
        var versionBytes = header.AsSpan(124, 2);
        int version = littleEndian.Value ? BinaryPrimitives.ReadUInt16LittleEndian(versionBytes) : BinaryPrimitives.ReadUInt16BigEndian(versionBytes);
        var headerText = Encoding.Latin1.GetString(header, 0, 116).TrimEnd(' ', '\0');
        return (version >> 8) switch
        {
            1 => MatV5Reader.Read(stream, fileName, headerText, littleEndian.Value, limits, strict),
            2 => ReadV73(stream, start, header, fileName, headerText, limits, strict),
            _ => throw new FormatReadException(fileName, $"unknown MAT-file version 0x{version:X4} in the header (0x0100 is Level 5, 0x0200 is v7.3)."),
        };
    }

    private static string DescribeNonMat(byte[] header)
    {
        if (header.AsSpan(0, 8).SequenceEqual(_hdf5Signature))
        {
            return "this is a plain HDF5 file, not a MAT-file: MATLAB v7.3 files start with a 512-byte MATLAB header before the HDF5 data.";
        }
        if (header.AsSpan(0, 4).Contains((byte)0))
        {
            // Level 4 files start with a binary type code (MOPT) instead of text.
            return "this looks like a MAT v4 file (no text header); only Level 5 (MATLAB -v6/-v7) and v7.3 files are supported. Re-save it in MATLAB with save(..., '-v7').";
        }
        return "not a MAT-file: the 128-byte header has no 'IM'/'MI' endian indicator at byte 126.";
    }

    private static MatFile ReadV73(Stream stream, long start, byte[] header, string fileName, string headerText, ReadLimits limits, bool strict)
    {
        if (stream.CanSeek && start == 0)
        {
            CheckHdf5Signature(stream, fileName);
            stream.Position = 0;
            return MatV73Reader.Read(stream, fileName, headerText, limits, strict);
        }
        // PureHDF needs random access from offset 0: copy to a temporary file (not memory), deleted on close.
        var tempPath = Path.Combine(Path.GetTempPath(), $"neurolab-mat73-{Guid.NewGuid():N}.tmp");
        using var copy = new FileStream(tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        copy.Write(header);
        if (stream.CanSeek)
        {
            stream.Position = start + HeaderLength;
        }
        // A gzip-wrapped file could expand without bound; 16x the per-array limit is far above any real file.
        long budget = limits.MaxArrayBytes > long.MaxValue / 16 ? long.MaxValue : limits.MaxArrayBytes * 16;
        var buffer = new byte[1 << 16];
        while (true)
        {
            int n;
            try
            {
                n = stream.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new FormatReadException(fileName, $"corrupt compressed data while reading the v7.3 file ({e.Message}).", e);
            }
            if (n == 0)
            {
                break;
            }
            if (copy.Length + n > budget)
            {
                throw new FormatReadException(fileName, $"the v7.3 file is larger than {budget / (1 << 20):N0} MiB (16x the array size limit).");
            }
            copy.Write(buffer, 0, n);
        }
        copy.Flush();
        CheckHdf5Signature(copy, fileName);
        copy.Position = 0;
        return MatV73Reader.Read(copy, fileName, headerText, limits, strict);
    }

    private static void CheckHdf5Signature(Stream stream, string fileName)
    {
        if (stream.Length < Hdf5Offset + _hdf5Signature.Length)
        {
            throw new FormatReadException(fileName, $"file ends early: the header says v7.3 (HDF5) but the file has only {stream.Length:N0} bytes; the HDF5 data starts at byte {Hdf5Offset}.");
        }
        stream.Position = Hdf5Offset;
        Span<byte> signature = stackalloc byte[8];
        StreamReading.ReadExactly(stream, signature, fileName, "the HDF5 signature");
        if (!signature.SequenceEqual(_hdf5Signature))
        {
            throw new FormatReadException(fileName, $"the header says v7.3 but there is no HDF5 signature at byte {Hdf5Offset}.");
        }
    }
}
